import pytest

from miadeps.cli import main

# Four real trials on German Credit: a second or two in all.
SPEC = """
name = "shadow-size"
reference = "Fig 2"
description = "a tiny real sweep of the shadow set size"
dataset = "german"
seed = 2
reps = 2

[sampling]
target_size = 200
shadow_size = 200

[target.params]
epochs = 3

[attack.params]
epochs = 3

[vary]
"sampling.shadow_size" = [100, 200]
"""


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def run_dir(tmp_path, capsys):
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    folder = tmp_path / "runs"
    code, _, err = _run(
        capsys, "study", "run", spec, "--out", folder / "shadow-size", "--workers", 0
    )
    assert code == 0, err
    return folder


def test_report_writes_the_page_of_a_folder_of_runs(capsys, run_dir):
    code, out, err = _run(capsys, "report", run_dir)

    page = run_dir / "report" / "report.html"
    assert code == 0, err
    assert out.strip() == str(page)
    assert "wrote" in err
    html = page.read_text()
    assert '<section id="study-shadow-size">' in html
    assert "4 of 4 trials stored" in html
    assert (run_dir / "report" / "figures" / "shadow-size.svg").is_file()
    assert (run_dir / "report" / "tables" / "claims_checked.md").is_file()


def test_report_writes_where_it_is_told(capsys, run_dir, tmp_path):
    code, out, _ = _run(
        capsys, "report", run_dir / "shadow-size", "--out", tmp_path / "r"
    )

    assert code == 0
    assert out.strip() == str(tmp_path / "r" / "report.html")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-accuracy", "1.5"], "--min-accuracy must lie between 0 and 1; got 1.5"),
        ([], "no results.duckdb in"),
    ],
)
def test_report_refuses_bad_input_in_one_line(capsys, tmp_path, args, message):
    code, out, err = _run(capsys, "report", tmp_path, *args)

    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1
