"""Exception and warning classes raised by miadeps.

Every error that a user can cause with their input derives from
:class:`MiadepsError`, so that the command line can turn it into one line and
exit code 2 without a traceback. Messages name the bad value and the fix.
"""

from __future__ import annotations

__all__ = [
    "MiadepsError",
    "DataError",
    "ConfigError",
    "FetchError",
    "NotFittedError",
    "DegenerateMetricWarning",
]


class MiadepsError(ValueError):
    """Base class of errors caused by the caller's input or configuration."""


class DataError(MiadepsError):
    """A dataset or table cannot be used as given (missing column, NaN label...)."""


class ConfigError(MiadepsError):
    """A parameter is outside what is allowed (unknown model kind, bad rate...)."""


class FetchError(MiadepsError):
    """A dataset could not be downloaded, found on disk, or verified."""


class NotFittedError(MiadepsError, AttributeError):
    """An estimator was used before ``fit``."""


class DegenerateMetricWarning(UserWarning):
    """A metric is undefined for its input (one class only) and is NaN."""
