"""The studies shipped with miadeps (one per experiment of the paper) and
loading of a study by name or from a spec file."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from miadeps.exceptions import ConfigError
from miadeps.experiments._spec import StudySpec, resolve_spec

logger = logging.getLogger(__name__)

__all__ = [
    "BUILTIN_STUDIES",
    "EXTRA_STUDIES",
    "PAPER_STUDIES",
    "SUITE",
    "StudyInfo",
    "builtin_spec_text",
    "list_studies",
    "load_study",
    "study_targets",
]

#: The built-in studies, in the order of the paper's figures and tables.
PAPER_STUDIES = (
    "shadow-size",
    "target-size",
    "class-balance",
    "feature-balance",
    "n-features",
    "entropy",
    "architecture",
    "model-types",
    "mutual-information",
    "indistinguishability",
    "fairness",
    "depth-l2",
    "defenses",
)
#: Built-in studies beyond the paper's experiments; the suite leaves them out.
EXTRA_STUDIES = ("attacks",)
#: Every built-in study: the paper's, then the others.
BUILTIN_STUDIES = (*PAPER_STUDIES, *EXTRA_STUDIES)
#: The name that runs every study of the paper.
SUITE = "paper"


@dataclass(frozen=True)
class StudyInfo:
    """A built-in study at a glance.

    Attributes
    ----------
    name, reference, description : str
        Its name, where in the paper, and what it shows.
    grids : list of list of str
        The varied parameters of each grid.
    trials : dict of str to int
        Trials per profile.
    """

    name: str
    reference: str
    description: str
    grids: list[list[str]]
    trials: dict[str, int]


def builtin_spec_text(name: str) -> str:
    """The TOML text of a built-in study.

    Raises
    ------
    ConfigError
        If ``name`` is not a built-in study; the message lists them.
    """
    if name not in BUILTIN_STUDIES:
        raise ConfigError(
            f"unknown study {name!r}; choose one of {', '.join(BUILTIN_STUDIES)}, "
            f"{SUITE} (all of the paper's), or give the path of a SPEC.toml file"
        )
    return (
        resources.files("miadeps.experiments")
        .joinpath(f"studies/{name}.toml")
        .read_text()
    )


def _parse(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"spec {source} is not valid TOML: {exc}; fix its syntax"
        ) from None


def load_study(
    target: str | Path,
    *,
    profile: str | None = None,
    reps: int | None = None,
    seed: int | None = None,
) -> StudySpec:
    """A validated study from a built-in name or a spec file.

    Parameters
    ----------
    target : str or Path
        A built-in study's name (see :data:`BUILTIN_STUDIES`) or the path of
        a TOML spec file.
    profile : str, optional
        The profile to merge in (``"quick"`` or ``"paper"`` for the built-in
        studies); default the spec's ``default_profile`` (``"quick"`` for
        the built-ins).
    reps, seed : int, optional
        Override the repetitions and the study seed.

    Returns
    -------
    StudySpec

    Raises
    ------
    ConfigError
        If the name is unknown, the file is missing or not valid TOML, or
        the spec does not validate.
    """
    name = str(target)
    if name in BUILTIN_STUDIES:
        raw = _parse(builtin_spec_text(name), name)
        return resolve_spec(raw, source=name, profile=profile, reps=reps, seed=seed)
    path = Path(target)
    if path.suffix != ".toml" and not path.is_file():
        builtin_spec_text(name)  # raises, listing the known studies
    if not path.is_file():
        raise ConfigError(f"spec file {path} does not exist; check the path")
    raw = _parse(path.read_text(), str(path))
    return resolve_spec(
        raw,
        source=str(path),
        profile=profile,
        reps=reps,
        seed=seed,
        base_dir=path.parent,
    )


def study_targets(target: str) -> list[str]:
    """``[target]``, or every built-in study for ``"paper"``."""
    return list(PAPER_STUDIES) if target == SUITE else [target]


def list_studies() -> list[StudyInfo]:
    """The built-in studies, with their trial counts per profile.

    Returns
    -------
    list of StudyInfo
        In the order of :data:`BUILTIN_STUDIES`.
    """
    infos = []
    for name in BUILTIN_STUDIES:
        raw = _parse(builtin_spec_text(name), name)
        trials = {}
        for profile in sorted(raw.get("profiles", {})):
            spec = resolve_spec(raw, source=name, profile=profile)
            trials[profile] = len(spec.settings()) * spec.reps
        spec = resolve_spec(raw, source=name)
        infos.append(
            StudyInfo(
                name=name,
                reference=spec.reference,
                description=spec.description,
                grids=[list(grid) for grid in spec.vary],
                trials=trials,
            )
        )
    return infos
