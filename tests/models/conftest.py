"""Shared settings of the model tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Run torch on one thread while a model test runs.

    The tests train nets of a few hundred records, where a second thread only
    adds synchronisation; and when other test processes share the cores,
    torch's OpenMP threads wait on each other (measured: 0.4 s on one thread,
    8 s on two, for the same test on a busy 2-core machine).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
