"""A tiny study on German Credit: a trial takes about a tenth of a second."""

import pytest

TINY_TOML = """
name = "tiny"
description = "a small study for the tests"
dataset = "german"
seed = 3
reps = 3

[sampling]
target_size = 200
shadow_size = 200

[target.params]
epochs = 3

[attack.params]
epochs = 3

[vary]
"sampling.class_balance" = [0.3, 0.5]
"""


@pytest.fixture
def tiny_toml():
    return TINY_TOML


@pytest.fixture
def spec_file(tmp_path):
    """Write a spec's text to a file; return its path."""

    def write(text=TINY_TOML, name="tiny.toml"):
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
