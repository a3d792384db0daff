"""Loading the model under audit, by file type, without running untrusted code.

Three forms are accepted: a scikit-learn model saved with skops
(``.skops``), a PyTorch model saved as TorchScript (``.pt``, ``.ts``), or a
CSV of the model's prediction vectors (``.csv``) for black-box access.
Pickle files (``.pkl``, ``.pickle``, ``.joblib``) are refused unless the
caller says it trusts them: unpickling runs whatever code the file names.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from miadeps.exceptions import ConfigError, DataError

__all__ = [
    "LoadedModel",
    "MODEL_SUFFIXES",
    "PICKLE_SUFFIXES",
    "load_model",
    "untrusted_skops_types",
]

logger = logging.getLogger(__name__)

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
MODEL_SUFFIXES = (".skops", ".pt", ".ts", ".csv", *PICKLE_SUFFIXES)

# Modules whose classes a skops file may name and still be loaded: the
# libraries a scikit-learn model is built from.
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.")
# Plain data types of Python that skops does not trust by default; loading
# one builds a value and calls nothing.
_SAFE_BUILTINS = frozenset(
    f"builtins.{name}"
    for name in ("slice", "complex", "frozenset", "bytearray", "bytes", "range")
)
# Magic bytes of the pickle protocols 2-5 and of zip archives (skops and
# TorchScript files are zip archives).
_PICKLE_MAGIC = b"\x80"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class LoadedModel:
    """The model under audit as loaded from its file.

    Attributes
    ----------
    form : {"sklearn", "torchscript", "predictions"}
        How the model is queried: a scikit-learn estimator with
        ``predict_proba`` on the raw feature table, a TorchScript module on
        encoded features, or stored prediction vectors.
    path : Path
        The file it was read from.
    source : {"skops", "pickle", "torchscript", "csv"}
        The file format.
    model : object
        The estimator or module; None for stored predictions.
    """

    form: str
    path: Path
    source: str
    model: Any = None


def load_model(path: str | os.PathLike[str], *, trust_pickle: bool = False):
    """Load a model file for an audit, refusing what could run code.

    Parameters
    ----------
    path : str or path-like
        ``.skops``, ``.pt`` / ``.ts`` (TorchScript), ``.csv`` (prediction
        vectors), or ``.pkl`` / ``.pickle`` / ``.joblib`` (pickle).
    trust_pickle : bool, default=False
        Unpickle a pickle file. Without it such a file is refused before its
        content is read by pickle.

    Returns
    -------
    LoadedModel
        For a ``.csv`` file, only the path: the predictions are read with
        the records (see :func:`~miadeps.audit.target_outputs`).

    Raises
    ------
    ConfigError
        For a pickle file without ``trust_pickle``, or an unknown suffix.
    DataError
        If the file is missing, not of the format its suffix says, or a
        skops file names a type outside scikit-learn, NumPy and SciPy.

    Notes
    -----
    A skops file is loaded with ``trusted`` set to the types
    ``skops.io.get_untrusted_types`` reports only if every one of them is a
    class of a module under ``sklearn.``, ``numpy.`` or ``scipy.`` (or one of
    a few plain builtin data types); a function, or a type of any other
    module, is refused with its name. A TorchScript file is loaded with
    ``torch.jit.load(map_location="cpu")``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES and not trust_pickle:
        raise ConfigError(
            f"refusing to unpickle {path}: pickle can run arbitrary code; save the "
            "model with skops (skops.io.dump) or pass --trust-pickle if you trust "
            "the file"
        )
    if suffix not in MODEL_SUFFIXES:
        raise ConfigError(
            f"model file {path} has an unknown type {suffix or '(no suffix)'!r}; "
            f"accepted: {', '.join(MODEL_SUFFIXES)}"
        )
    if not path.is_file():
        raise DataError(f"model file {str(path)!r} not found; check the path")

    if suffix == ".csv":
        return LoadedModel("predictions", path, "csv")
    if suffix in PICKLE_SUFFIXES:
        return LoadedModel("sklearn", path, "pickle", _unpickle(path, suffix))
    if suffix == ".skops":
        return LoadedModel("sklearn", path, "skops", _load_skops(path))
    return LoadedModel("torchscript", path, "torchscript", _load_torchscript(path))


def _head(path: Path, n: int = 4) -> bytes:
    with path.open("rb") as handle:
        return handle.read(n)


def untrusted_skops_types(path: str | os.PathLike[str]) -> tuple[list, list]:
    """Split the types a skops file needs trusted into accepted and refused.

    Parameters
    ----------
    path : str or path-like
        A file written by ``skops.io.dump``.

    Returns
    -------
    accepted, refused : list of str
        Fully qualified type names skops does not trust by default, split by
        the rule of :func:`load_model`.

    Raises
    ------
    DataError
        If the file is not a skops archive.
    """
    import skops.io as sio

    path = Path(path)
    if _head(path) != _ZIP_MAGIC:
        raise DataError(
            f"{path} is not a skops file (not a zip archive); save the model with "
            "skops.io.dump(model, path)"
        )
    try:
        names = sio.get_untrusted_types(file=path)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DataError(
            f"cannot read skops file {path}: {exc}; save the model again with "
            "skops.io.dump(model, path)"
        ) from exc
    accepted = [name for name in names if _is_trusted(name)]
    refused = [name for name in names if not _is_trusted(name)]
    return accepted, refused


def _is_trusted(name: str) -> bool:
    if name in _SAFE_BUILTINS:
        return True
    if not name.startswith(_TRUSTED_PREFIXES):
        return False
    # Importing a module of these libraries is safe; the name must then be a
    # class, since a trusted function would be called on the data.
    module_name, _, attribute = name.rpartition(".")
    try:
        value = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        return False
    return isinstance(value, type)


def _load_skops(path: Path):
    import skops.io as sio

    accepted, refused = untrusted_skops_types(path)
    if refused:
        raise DataError(
            f"skops file {path} needs types that miadeps does not trust: "
            f"{', '.join(refused)}; only classes of scikit-learn, NumPy and SciPy "
            "are loaded. Rebuild the model from those, or load it yourself with "
            "skops.io.load(path, trusted=[...]) after reviewing it"
        )
    logger.info("loading %s (trusting %d extra types)", path, len(accepted))
    return sio.load(path, trusted=accepted)


def _load_torchscript(path: Path):
    import torch

    if _head(path) != _ZIP_MAGIC:
        raise DataError(
            f"{path} is not a TorchScript file; save the model with "
            "torch.jit.script(model).save(path)"
        )
    # TODO(issue-7): torch 2.13 deprecates TorchScript in favour of
    # torch.export; accept .pt2 archives (torch.export.load) as well, once
    # their loading is shown not to unpickle arbitrary objects.
    try:
        with warnings.catch_warnings():
            # The user chose the format; torch's advice to migrate is not an
            # audit finding.
            warnings.filterwarnings(
                "ignore",
                message=".*torch.jit.* is deprecated",
                category=DeprecationWarning,
            )
            return torch.jit.load(str(path), map_location="cpu").eval()
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise DataError(
            f"cannot load {path} as TorchScript ({first}); save the model with "
            "torch.jit.script(model).save(path), not torch.save"
        ) from exc


def _unpickle(path: Path, suffix: str):
    logger.warning("unpickling %s: trusted by --trust-pickle", path)
    if suffix == ".joblib":
        import joblib

        return joblib.load(path)
    if _head(path, 1) != _PICKLE_MAGIC:
        raise DataError(
            f"{path} is not a pickle file (protocol 2 or later); save it with "
            "skops.io.dump instead"
        )
    with path.open("rb") as handle:
        return pickle.load(handle)
