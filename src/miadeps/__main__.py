"""``python -m miadeps``: the command line."""

from miadeps.cli import run

run()
