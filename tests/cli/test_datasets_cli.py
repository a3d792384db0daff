from miadeps.cli import main


def test_datasets_lists_embedded_and_fetched(capsys):
    assert main(["--no-color", "datasets"]) == 0
    out = capsys.readouterr().out
    for name in ("adult", "german", "compas", "purchase100", "texas100"):
        assert name in out
    assert "48,842" in out
