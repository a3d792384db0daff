"""Where downloaded datasets live, how they arrive, and how they are checked."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import logging
import os
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import platformdirs

from miadeps.exceptions import FetchError

__all__ = ["data_home"]

logger = logging.getLogger(__name__)

#: Environment variable that names the data folder when no ``data_dir`` is given.
DATA_ENV = "MIADEPS_DATA"

_CHUNK = 1 << 20
_TIMEOUT_S = 60


def data_home(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Folder that holds downloaded datasets and their parsed caches.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Used as given when not None.

    Returns
    -------
    pathlib.Path
        ``data_dir``, else the ``MIADEPS_DATA`` environment variable, else
        the user cache folder of miadeps (``platformdirs.user_cache_dir``).
        The folder is not created here.
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    from_env = os.environ.get(DATA_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_cache_dir("miadeps"))


def git_blob_id(path: Path) -> str:
    """Git's object id of a file: sha1 of ``b"blob <size>\\0"`` and the bytes."""
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def content_md5(path: Path) -> str:
    """md5 of a file's content, decompressed first when it ends in ``.gz``."""
    opener = gzip.open if path.suffix == ".gz" else open
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with opener(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    except (OSError, EOFError) as exc:
        raise FetchError(
            f"cannot read {str(path)!r} ({exc}); delete it and fetch it again"
        ) from exc
    return digest.hexdigest()


def _download(url: str, dest: Path) -> None:
    """Copy the content at ``url`` into the file ``dest``.

    Module-level so that tests replace it and never touch the network.
    """
    request = urllib.request.Request(url, headers={"User-Agent": "miadeps"})
    with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
        with dest.open("wb") as out:
            shutil.copyfileobj(response, out, _CHUNK)


def download_verified(
    urls: Sequence[str],
    dest: Path,
    verify: Callable[[Path], str | None],
    downloader: Callable[[str, Path], None],
) -> Path:
    """Download the first of ``urls`` that arrives intact to ``dest``.

    Each attempt writes to a temporary file in ``dest``'s folder; ``verify``
    returns None when the file is good, or a reason. Only a good file is
    renamed to ``dest`` (atomically), so ``dest`` is never half-written.
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(
            f"cannot create the data folder {str(dest.parent)!r} ({exc}); "
            f"pass a writable data_dir or set {DATA_ENV}"
        ) from exc

    failures = []
    for url in urls:
        with _temporary_file(dest) as tmp:
            logger.info("downloading %s to %s", url, dest)
            try:
                downloader(url, tmp)
            except (OSError, ValueError, http.client.HTTPException) as exc:
                failures.append(f"{url}: {type(exc).__name__}: {exc}")
                continue
            reason = verify(tmp)
            if reason is not None:
                failures.append(f"{url}: {reason}")
                continue
            _publish(tmp, dest)
            return dest

    raise FetchError(
        f"could not download {dest.name} ({'; '.join(failures)}); "
        f"download it yourself and place it in {str(dest.parent)!r} "
        f"(or point data_dir / {DATA_ENV} at a folder that has it)"
    )


@contextlib.contextmanager
def _temporary_file(dest: Path) -> Iterator[Path]:
    handle, name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _publish(tmp: Path, dest: Path) -> None:
    """Give a finished temporary file the usual permissions and its final name."""
    # mkstemp creates files readable by the owner only; a shared data folder
    # needs the permissions any other new file would get.
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)
    os.replace(tmp, dest)


def save_npz(path: Path, **arrays: np.ndarray) -> bool:
    """Write a compressed ``.npz`` atomically; False if the folder is read-only."""
    try:
        with _temporary_file(path) as tmp:
            with tmp.open("wb") as handle:
                np.savez_compressed(handle, **arrays)
            _publish(tmp, path)
    except OSError as exc:
        logger.info("not caching %s: %s", path, exc)
        return False
    return True


def load_npz(path: Path, keys: Sequence[str]) -> dict[str, np.ndarray] | None:
    """Arrays of a cache file, or None if it is missing, damaged or incomplete."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if not all(key in data.files for key in keys):
                return None
            return {key: data[key] for key in keys}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        logger.info("ignoring unreadable cache %s: %s", path, exc)
        return None


def missing_error(
    file: str, home: Path, what: str, also: str | None = None
) -> FetchError:
    """The error for a dataset file that is absent while downloads are off."""
    either = f" (or {also})" if also else ""
    return FetchError(
        f"{what} is not on disk: no {file}{either} in {str(home)!r}; place the "
        f"file there, pass download=True, or set data_dir / {DATA_ENV} to the "
        "folder that has it"
    )
