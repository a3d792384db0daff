"""The ``miadeps`` command: a thin layer that parses, calls the library, renders.

Results go to standard output; status, logs and errors to standard error.
An error the user caused is one line and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click
import typer
from rich.console import Console
from rich.logging import RichHandler

from miadeps.exceptions import MiadepsError

app = typer.Typer(
    name="miadeps",
    help="Measure how data and model properties drive membership inference "
    "attacks, and train models that resist them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# The CLI alone decides what the user sees; these are replaced per run by
# the callback below, which knows about --no-color.
state = {"out": Console(), "err": Console(stderr=True)}


@app.callback()
def _configure(
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="More log output (-v, -vv)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors."),
    no_color: bool = typer.Option(False, "--no-color", help="Plain text output."),
) -> None:
    state["out"] = Console(no_color=no_color, highlight=False)
    state["err"] = Console(stderr=True, no_color=no_color, highlight=False)
    level = (
        logging.ERROR
        if quiet
        else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    root = logging.getLogger("miadeps")
    root.handlers = [
        RichHandler(console=state["err"], show_path=False, show_time=verbose > 1)
    ]
    root.setLevel(level)
    root.propagate = False


def _click_errors(name: str) -> tuple[type[BaseException], ...]:
    """Click's exception class ``name``, and typer's vendored copy of it.

    typer 0.29 parses arguments with its own copy of click, whose usage
    errors (an unknown option, a missing argument) are not click's classes;
    catching click's alone let them through as a traceback.
    """
    classes = [getattr(click.exceptions, name)]
    try:
        vendored = importlib.import_module("typer._click.exceptions")
    except ImportError:
        vendored = None
    if vendored is not None and hasattr(vendored, name):
        classes.append(getattr(vendored, name))
    return tuple(classes)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code instead of raising it."""
    # Registers the subcommands on ``app``; imported here to keep import
    # of this module cheap for tools that only need ``app``'s name.
    from miadeps.cli import (  # noqa: F401
        _attack,
        _audit,
        _datasets,
        _defend,
        _properties,
        _report,
        _study,
    )

    try:
        code = app(args=argv, prog_name="miadeps", standalone_mode=False)
    except MiadepsError as exc:
        Console(stderr=True, highlight=False).print(
            f"error: {exc}", markup=False, soft_wrap=True
        )
        return 2
    except _click_errors("Exit") as exc:
        return exc.exit_code
    except _click_errors("ClickException") as exc:
        exc.show()
        return exc.exit_code
    except _click_errors("Abort"):
        Console(stderr=True).print("aborted")
        return 130
    # Without standalone mode, typer hands back a command's exit code
    # (typer.Exit, Ctrl-C) instead of raising it.
    return code if isinstance(code, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
