#!/usr/bin/env bash
# Set-up and everyday tasks on a fresh machine: makes .venv, installs miadeps
# with what CI pins (constraints-ci.txt), then runs the task.
#
#   bash tools/dev.sh demo   # every study of the paper (quick profile) on the
#                            # embedded Adult data, then its report
#   bash tools/dev.sh test   # the test suite (what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-$(command -v python3.11 || command -v python3)}
stamp=.venv/.installed
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# Reinstall only when the project's requirements changed since the last time.
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints-ci.txt -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c constraints-ci.txt -e '.[dev]'
    touch "$stamp"
fi

task=${1:-}
shift || true
case "$task" in
    demo)
        exec .venv/bin/miadeps study run paper --profile quick --out runs/paper \
            --report "$@"
        ;;
    test)
        exec .venv/bin/python -m pytest -q "$@"
        ;;
    *)
        echo "usage: bash tools/dev.sh demo|test [extra arguments]" >&2
        exit 2
        ;;
esac
