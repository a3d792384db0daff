import csv
import re
from html import escape

import pandas as pd
import pytest
from report_rows import SWEEP_SPEC, make_store, synthetic_rows

from miadeps.analysis import PAPER_CLAIMS
from miadeps.exceptions import ConfigError, StoreError
from miadeps.experiments import PAPER_STUDIES, load_study, resolve_spec
from miadeps.reports import find_run_dirs, write_report


@pytest.fixture(scope="module")
def paper_report(tmp_path_factory):
    """The report of a folder holding every built-in study (made-up rows)."""
    root = tmp_path_factory.mktemp("paper")
    for seed, name in enumerate(PAPER_STUDIES):
        spec = load_study(name, profile="quick", reps=2)
        make_store(root / name, spec, synthetic_rows(spec, seed=seed))
    return root, write_report(root)


def test_write_report_has_a_section_for_every_experiment(paper_report):
    root, page = paper_report
    html = page.read_text()

    assert page == root / "report" / "report.html"
    for name in PAPER_STUDIES:
        assert f'<section id="study-{name}">' in html
        assert f'href="#study-{name}"' in html
        assert escape(PAPER_CLAIMS[name].claim) in html
    assert '<section id="correlations">' in html


def test_write_report_writes_figures_and_tables_of_every_study(paper_report):
    root, _ = paper_report
    figures, tables = root / "report" / "figures", root / "report" / "tables"

    for name in PAPER_STUDIES:
        assert (figures / f"{name}.png").stat().st_size > 10_000
        assert (figures / f"{name}.svg").read_text().startswith("<?xml")
        assert (tables / f"{name}.csv").is_file() and (tables / f"{name}.md").is_file()
    for stem in ("table2_model_types", "table3_depth_l2", "table4_correlations"):
        assert (tables / f"{stem}.csv").is_file() and (tables / f"{stem}.md").is_file()
    table3 = pd.read_csv(tables / "table3_depth_l2.csv")
    assert {"target.train_accuracy", "target.test_accuracy", "attack.accuracy"} <= set(
        table3["metric"]
    )
    table4 = pd.read_csv(tables / "table4_correlations.csv")
    assert {"n", "pearson_r", "pearson_p", "spearman_rho", "spearman_p"} <= set(table4)


def test_write_report_lists_every_verdict_with_its_sentence(paper_report):
    root, page = paper_report
    with open(root / "report" / "tables" / "claims_checked.csv", newline="") as f:
        claims = list(csv.DictReader(f))

    expected = sum(
        len(check.metrics) for c in PAPER_CLAIMS.values() for check in c.checks
    )
    assert len(claims) == expected + 1  # and Table 4
    html = page.read_text()
    for claim in claims:
        assert claim["outcome"] in ("holds", "does not hold", "inconclusive")
        assert claim["sentence"].endswith(".")
        assert escape(claim["evidence"]) in html


def test_report_html_is_self_contained(paper_report):
    _, page = paper_report
    html = page.read_text()

    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) == len(PAPER_STUDIES) + 1
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert 'name="viewport"' in html and "Content-Security-Policy" in html


def test_write_report_gives_identical_files_when_run_again(sweep_run, tmp_path):
    first = write_report(sweep_run, tmp_path / "one").parent
    second = write_report(sweep_run, tmp_path / "two").parent

    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert names == sorted(
        p.relative_to(second) for p in second.rglob("*") if p.is_file()
    )
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_write_report_of_one_study_decides_its_claim(sweep_run):
    page = write_report(sweep_run)

    html = page.read_text()
    assert page.parent == sweep_run / "report"
    assert "Spearman rho = " in html and ">holds</span>" in html
    assert "Member rate 75%" in html


def test_write_report_escapes_text_from_the_results(tmp_path):
    raw = {**SWEEP_SPEC, "name": "mine", "description": "<script>alert(1)</script>"}
    spec = resolve_spec(raw, source="test")
    run = make_store(tmp_path / "mine", spec, synthetic_rows(spec))

    html = write_report(run).read_text()

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "The paper makes no claim about this study" in html


def test_write_report_leaves_out_settings_of_low_utility(sweep_run):
    rows = write_report(sweep_run, min_accuracy=0.9).read_text()

    assert "4 setting(s) dropped" in rows and "below 0.9" in rows


def test_write_report_refuses_a_folder_without_a_store(tmp_path):
    with pytest.raises(StoreError, match=f"no results.duckdb in {tmp_path}"):
        write_report(tmp_path)


def test_write_report_refuses_a_bad_utility_bar(sweep_run):
    with pytest.raises(ConfigError, match="min_accuracy must lie in \\[0, 1\\]"):
        write_report(sweep_run, min_accuracy=1.5)


def test_find_run_dirs_orders_studies_as_the_paper(tmp_path, builtin_run):
    for name in ("n-features", "target-size"):
        builtin_run(tmp_path, name)
    (tmp_path / "notes").mkdir()

    assert [p.name for p in find_run_dirs(tmp_path)] == ["target-size", "n-features"]
    assert find_run_dirs(tmp_path / "n-features") == [tmp_path / "n-features"]


def test_write_report_shows_a_study_without_trials_yet(tmp_path):
    spec = resolve_spec(SWEEP_SPEC, source="test")
    run = make_store(tmp_path / "shadow-size", spec, [])

    html = write_report(run).read_text()

    assert "0 of 24 trials stored" in html
    assert "No finished trials yet" in html
    assert "<img" not in html
