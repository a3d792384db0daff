import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Train on one thread: these nets are too small for a second to help."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
