"""Exception and warning classes raised by miadeps.

Every error that a user can cause with their input derives from
:class:`MiadepsError`, so that the command line can turn it into one line and
exit code 2 without a traceback. Messages name the bad value and the fix.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as SklearnNotFittedError

__all__ = [
    "MiadepsError",
    "DataError",
    "ConfigError",
    "FetchError",
    "StoreError",
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


class StoreError(MiadepsError):
    """A results store cannot be used: not a database, foreign, or in use."""


class NotFittedError(MiadepsError, SklearnNotFittedError):
    """An estimator was used before ``fit``.

    Also scikit-learn's ``NotFittedError``, so that its tools recognise it.
    """


class DegenerateMetricWarning(UserWarning):
    """A metric is undefined for its input (one class only) and is NaN."""
