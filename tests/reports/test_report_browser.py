"""The report in a real browser: headless Chromium opens report.html.

Needs Debian's ``chromium`` package (``.ci/run`` installs it) and the
``playwright`` Python package, which drives it; playwright's own browser
download is not used. Without either the test is skipped, saying which.
"""

import shutil

import pytest
from report_rows import SWEEP_SPEC

from miadeps.experiments import InlineBackend, resolve_spec, run_study
from miadeps.reports import write_report

pytestmark = pytest.mark.slow

_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium found: install Debian's chromium package (.ci/run does)")


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: pip install playwright")
    return sync_playwright


@pytest.fixture
def real_report(tmp_path):
    """The report of four real trials: two shadow sizes, two repetitions."""
    raw = {
        **SWEEP_SPEC,
        "reps": 2,
        "vary": {"sampling.shadow_size": [100, 200]},
        "target": {"params": {"epochs": 3}},
        "attack": {"params": {"epochs": 3}},
    }
    spec = resolve_spec(raw, source="test")
    summary = run_study(spec, tmp_path / "shadow-size", backend=InlineBackend())
    assert summary.finished == 4
    return write_report(tmp_path)


@pytest.mark.parametrize("width", [1280, 390])
def test_report_loads_in_headless_chromium(real_report, tmp_path, width):
    executable = _chromium()
    sync_playwright = _playwright()

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            problems = []
            page.on(
                "console",
                lambda m: problems.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.goto(real_report.as_uri(), wait_until="load")

            widths = page.evaluate(
                "Array.from(document.images, i => i.complete ? i.naturalWidth : 0)"
            )
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            shot = tmp_path / f"report-{width}.png"
            page.screenshot(path=shot, full_page=True)
        finally:
            browser.close()

    print(f"screenshot: {shot}")
    assert widths and all(w > 0 for w in widths)
    assert problems == []
    assert overflow <= 0
    assert shot.stat().st_size > 10_000
