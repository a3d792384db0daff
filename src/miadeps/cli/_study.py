"""``miadeps study``: list, run, show and export sweeps of attack trials."""

from __future__ import annotations

import json
import logging
import math
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from miadeps.cli._app import app, state
from miadeps.cli._render import jsonable
from miadeps.exceptions import ConfigError
from miadeps.experiments import (
    STORE_FILE,
    SUITE,
    builtin_spec_text,
    expand_trials,
    list_studies,
    load_study,
    make_backend,
    open_run,
    run_study,
    study_table,
    study_targets,
)

logger = logging.getLogger(__name__)

study_app = typer.Typer(
    help="Sweeps of attack trials: the experiments of the paper, or your own.",
    no_args_is_help=True,
)
app.add_typer(study_app, name="study")


def _short(path: str) -> str:
    return path.removeprefix("sampling.").removeprefix("target.params.")


@study_app.command("list")
def list_() -> None:
    """List the built-in studies, what they vary and their trial counts."""
    table = Table(title="built-in studies (`miadeps study run paper` runs all)")
    table.add_column("name", no_wrap=True)
    table.add_column("paper", no_wrap=True)
    table.add_column("varies")
    table.add_column("trials quick / paper", justify="right")
    table.add_column("what it shows")
    for info in list_studies():
        varies = ", ".join(" × ".join(map(_short, grid)) for grid in info.grids)
        table.add_row(
            info.name,
            info.reference,
            varies,
            f"{info.trials.get('quick', 0):,} / {info.trials.get('paper', 0):,}",
            info.description,
        )
    state["out"].print(table)


@study_app.command("spec")
def spec(
    name: str = typer.Argument(..., help="A built-in study's name."),
) -> None:
    """Print a built-in study's spec, to copy as the start of your own."""
    state["out"].print(builtin_spec_text(name), markup=False, end="")


@contextmanager
def _progress_bar(name: str):
    """A progress callback; a bar on standard error when it is a terminal."""
    console = state["err"]
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("trials"),
        TimeElapsedColumn(),
        TextColumn("elapsed,"),
        TimeRemainingColumn(),
        TextColumn("left"),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(name, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@study_app.command("run")
def run(
    target: str = typer.Argument(
        ..., help=f"A built-in study, {SUITE!r} for all of them, or a SPEC.toml file."
    ),
    profile: str = typer.Option(
        None,
        "--profile",
        help="quick (few repetitions, small sizes; the default of the built-in "
        "studies) or paper (the paper's grids and repetitions).",
    ),
    reps: int = typer.Option(None, "--reps", help="Repetitions of every setting."),
    seed: int = typer.Option(None, "--seed", help="The study seed."),
    out: Path = typer.Option(
        None,
        "--out",
        help="Run directory (default runs/NAME); with 'paper', the folder "
        "that gets one run directory per study.",
    ),
    workers: int = typer.Option(
        None,
        "--workers",
        help="Local worker processes (default: one per CPU; 0 runs in this process).",
    ),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Run on a Dask cluster, e.g. tcp://HOST:8786."
    ),
    cluster: str = typer.Option(
        None, "--cluster", help="Start a Dask cluster here: local:N workers."
    ),
    fresh: bool = typer.Option(
        False, "--fresh", help="Discard the run directory's results and start over."
    ),
    report: bool = typer.Option(
        False, "--report", help="Write report.html, figures and tables at the end."
    ),
) -> None:
    """Run a study; run it again to resume, skipping finished trials."""
    names = study_targets(target)
    specs = [load_study(name, profile=profile, reps=reps, seed=seed) for name in names]
    if len(specs) > 1:
        run_dirs = [(out or Path("runs")) / s.name for s in specs]
    else:
        run_dirs = [out or Path("runs") / specs[0].name]

    failed = 0
    with make_backend(workers, scheduler, cluster) as backend:
        for spec, run_dir in zip(specs, run_dirs, strict=True):
            try:
                with _progress_bar(spec.name) as progress:
                    summary = run_study(
                        spec, run_dir, backend=backend, fresh=fresh, progress=progress
                    )
            except KeyboardInterrupt:
                state["err"].print(
                    f"interrupted: finished trials are saved in {run_dir}; run the "
                    "same command again to resume",
                    soft_wrap=True,
                    markup=False,
                )
                raise
            state["err"].print(
                f"{spec.name}: {summary.total} trials, {summary.skipped} done "
                f"before, {summary.finished} run now, {summary.failed} failed, "
                f"in {summary.seconds:.1f} s; results in {run_dir / STORE_FILE}",
                soft_wrap=True,
                markup=False,
            )
            if summary.failures:
                first = summary.failures[0]
                state["err"].print(
                    f"first failure: {first['key']}: {first['error']}: "
                    f"{first['message']}; run the command again to retry",
                    markup=False,
                    soft_wrap=True,
                )
            failed += summary.failed
    if report:
        # matplotlib loads only when a report is asked for.
        from miadeps.reports import write_report

        root = (out or Path("runs")) if len(specs) > 1 else run_dirs[0]
        state["err"].print(f"report: {write_report(root)}", markup=False)
    if failed:
        raise typer.Exit(1)


def _cell(mean: float, half: float, wide: bool) -> str:
    if math.isnan(mean):
        return "n/a"
    if math.isnan(half):
        return f"{mean:.4f}"
    return f"{mean:.4f} ± {half:.4f}" if wide else f"{mean:.4f}\n±{half:.4f}"


def _header(column: str) -> str:
    # Two lines, split at the first dot, keep the table narrow.
    return column.removeprefix("spec.").replace(".", ".\n", 1)


def _setting_text(value) -> str:
    """A varied value as written in the spec: no NaN, no ``5.0`` for 5."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render_study_table(spec, summary, done: int, total: int, width: int) -> Table:
    """The table ``miadeps study show`` prints: one row per setting."""
    by = [c for c in summary.columns if c.startswith("spec.")]
    metrics = list(dict.fromkeys(summary["metric"]))
    # Mean and interval on one line where the console is wide enough.
    wide = width >= 14 * len(by) + 6 + 18 * len(metrics)
    table = Table(
        title=f"{spec.name} ({spec.reference or 'your study'}): mean ± half-width "
        f"of the 95% Student-t interval over repetitions; {done} of {total} "
        "trials done",
    )
    for column in [*by, "n", *metrics]:
        table.add_column(_header(column), justify="right", overflow="fold")
    groups = summary.groupby(by, dropna=False, sort=False) if by else [((), summary)]
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        cells = {
            row.metric: _cell(row.mean, row.half_width, wide)
            for row in group.itertuples()
        }
        table.add_row(
            *(_setting_text(v) for v in values),
            str(int(group["n"].max())),
            *(cells[name] for name in metrics),
        )
    return table


@study_app.command("show")
def show(
    run_dir: Path = typer.Argument(..., help="A study's run directory."),
    metric: list[str] = typer.Option(
        [], "--metric", help="A result column to summarise (repeatable)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records."),
) -> None:
    """Mean and 95% Student-t confidence interval of each metric per setting."""
    spec, store = open_run(run_dir)
    summary = study_table(run_dir, metrics=metric or None)
    if as_json:
        records = summary.to_dict(orient="records")
        state["out"].print_json(json.dumps(jsonable(records)), highlight=False)
        return

    keys = {t.key for t in expand_trials(spec)}
    done, total = len(keys & store.finished_keys()), len(keys)
    out = state["out"]
    if summary.empty:
        state["err"].print(
            f"{spec.name}: no finished trial in {run_dir} yet (0 of {total}); "
            "run the study first",
            soft_wrap=True,
            markup=False,
        )
    else:
        out.print(render_study_table(spec, summary, done, total, out.width))
    failures = store.failures()
    if len(failures):
        first = failures.iloc[0]
        state["err"].print(
            f"{len(failures)} trial(s) failed and have no row, e.g. {first['key']}: "
            f"{first['error']}: {first['message']}; run the study again to retry",
            markup=False,
            soft_wrap=True,
        )


@study_app.command("export")
def export(
    run_dir: Path = typer.Argument(..., help="A study's run directory."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
    output: Path = typer.Option(
        None, "--output", help="File to write (default DIR/results.parquet or .csv)."
    ),
) -> None:
    """Write every trial's row to a Parquet or CSV file."""
    if fmt not in ("parquet", "csv"):
        raise ConfigError(f"--format must be parquet or csv; got {fmt!r}")
    _, store = open_run(run_dir)
    written = store.export(output or Path(run_dir) / f"results.{fmt}", fmt)
    state["err"].print(f"wrote {written}", soft_wrap=True, markup=False)
