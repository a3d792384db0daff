"""Study specifications: what a sweep of attack trials varies, as typed data.

A study spec is a TOML table validated by pydantic. It names the dataset, the
sampling knobs, the target, shadow and attack configurations, the measures,
the parameters that vary with their grids, the repetitions and the seed.
Profiles (``[profiles.quick]``, ``[profiles.paper]``) are partial specs merged
over the base before validation.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from miadeps.exceptions import ConfigError
from miadeps.models import MODEL_KINDS

logger = logging.getLogger(__name__)

__all__ = [
    "AttackSpec",
    "DEFAULT_METRICS",
    "DatasetSpec",
    "DefenseSpec",
    "MeasureSpec",
    "ModelSpec",
    "SamplingSpec",
    "ShadowSpec",
    "StudySpec",
    "TrialSpec",
    "resolve_spec",
]

Scalar = bool | int | float | str

#: Columns that ``miadeps study show`` summarises unless a spec names others.
DEFAULT_METRICS = (
    "attack.accuracy",
    "attack.balanced_accuracy",
    "attack.auc",
    "attack.advantage",
    "target.train_accuracy",
    "target.test_accuracy",
)

# Fields that say how a study is run or shown, not what a trial computes;
# changing them keeps the results of finished trials valid.
_NOT_FINGERPRINTED = (
    "description",
    "reference",
    "profile",
    "reps",
    "vary",
    "metrics",
)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetSpec(_Spec):
    """The data a study samples from: a named dataset or a CSV file.

    Attributes
    ----------
    name : str or None
        A name known to :func:`miadeps.datasets.load_dataset`.
    csv : str or None
        Path of a CSV file instead (relative paths are taken from the spec
        file's folder); needs ``label``.
    label, sensitive, positive, threshold
        As in :func:`miadeps.datasets.load_csv`.
    data_dir : str or None
        Folder of the fetched datasets (compas, purchase100, texas100).
    """

    name: str | None = None
    csv: str | None = None
    label: str | None = None
    sensitive: tuple[str, ...] = ()
    positive: Scalar | None = None
    threshold: float | None = None
    data_dir: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        # ``dataset = "adult"`` is the short form of ``[dataset] name = "adult"``.
        return {"name": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_source(self) -> DatasetSpec:
        if (self.name is None) == (self.csv is None):
            raise ValueError("give exactly one of name (e.g. 'adult') or csv (a path)")
        if self.csv is not None and self.label is None:
            raise ValueError("csv needs label, the column to predict")
        return self


class SamplingSpec(_Spec):
    """How the records of one trial are drawn from the dataset.

    Attributes
    ----------
    target_size, shadow_size : int
        Records of the target (members and non-members) and of the
        attacker's disjoint shadow pool.
    class_balance : float or None
        Share of label 1 in the drawn records; None leaves the dataset's.
    feature_balance : float or None
        Share of the drawn records whose top-5 mutual-information feature
        vector is the dataset's most frequent one.
    n_features : int or None
        Raw features kept, chosen at random per trial; None keeps all.
    member_rate : float
        Share of each set its model trains on.
    """

    target_size: int = Field(10_000, ge=2)
    shadow_size: int = Field(10_000, ge=2)
    class_balance: float | None = Field(None, ge=0.0, le=1.0)
    feature_balance: float | None = Field(None, ge=0.0, le=1.0)
    n_features: int | None = Field(None, ge=1)
    member_rate: float = Field(0.75, gt=0.0, lt=1.0)


class ModelSpec(_Spec):
    """A model kind and its hyper-parameters (see :func:`miadeps.models.make_model`)."""

    kind: str = "ann"
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_kind(self) -> ModelSpec:
        allowed = self._kinds()
        if self.kind not in allowed:
            raise ValueError(
                f"unknown model kind {self.kind!r}; choose one of {', '.join(allowed)}"
            )
        return self

    @staticmethod
    def _kinds() -> tuple[str, ...]:
        return MODEL_KINDS


class ShadowSpec(ModelSpec):
    """The attacker's shadow models.

    ``kind`` may also be ``"same"`` (the target's kind, the study's default:
    the attacker knows the target's type) or ``"all"`` (every kind at once).
    With ``"same"`` and no ``params`` the shadows copy the target's.
    """

    kind: str = "same"
    n_shadows: int = Field(1, ge=1)

    @staticmethod
    def _kinds() -> tuple[str, ...]:
        return ("same", *MODEL_KINDS, "all")


class AttackSpec(_Spec):
    """The attacks (see :class:`miadeps.attacks.ShadowModelAttack`).

    Attributes
    ----------
    model, params, per_class, features, combine
        The shadow-model attack's attack models.
    also : tuple of str
        Attacks run on the same target besides the shadow-model attack
        (names of :data:`miadeps.experiments.EXTRA_ATTACKS`, e.g.
        ``"lira-online"``); empty by default.
    n_references : int
        Reference models of LiRA and RMIA.
    """

    model: str = "ann"
    params: dict[str, Any] = Field(default_factory=dict)
    per_class: bool = True
    features: Literal["log", "proba"] = "log"
    combine: Literal["pool", "stack"] = "pool"
    also: tuple[str, ...] = ()
    n_references: int = Field(8, ge=4)

    @model_validator(mode="after")
    def _known_model(self) -> AttackSpec:
        if self.model not in MODEL_KINDS:
            raise ValueError(
                f"unknown attack model {self.model!r}; choose one of "
                f"{', '.join(MODEL_KINDS)}"
            )
        # Imported here: the attacks load torch, which reading a spec
        # never needs otherwise.
        from miadeps.experiments._extra_attacks import check_extra_attacks

        check_extra_attacks(self.also, self.n_references)
        return self


class MeasureSpec(_Spec):
    """Options of the properties measured next to every attack."""

    fairness_attribute: str | None = None
    mi_models: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _enough_models(self) -> MeasureSpec:
        if 0 < self.mi_models < 4:
            raise ValueError("mi_models must be 0 (skip I_X) or at least 4")
        return self


class DefenseSpec(_Spec):
    """How the target trains (see :func:`miadeps.defenses.train_defended`).

    Attributes
    ----------
    name : str
        One of :data:`miadeps.defenses.DEFENSES`; ``"none"`` trains the
        target as it is.
    lam : float
        Weight of a penalty (l1, l2, the property regularizers, adversarial).
    variant : {"l1_exp", "l2_lin"}
        Penalty of the property regularizers.
    noise_multiplier, max_grad_norm : float
        DP-SGD's noise scale sigma and per-record clipping norm C.
    delta : float or None
        DP-SGD's delta; None lets the defense choose (below 1 / n).
    dropout : float
        Drop rate of the dropout defense.

    Notes
    -----
    Every parameter is stored whatever the defense; the trial passes only
    those its defense uses.
    """

    name: str = "none"
    lam: float = Field(0.0, ge=0.0, allow_inf_nan=False)
    variant: Literal["l1_exp", "l2_lin"] = "l1_exp"
    noise_multiplier: float = Field(1.0, gt=0.0, allow_inf_nan=False)
    max_grad_norm: float = Field(1.0, gt=0.0, allow_inf_nan=False)
    delta: float | None = Field(None, gt=0.0, lt=1.0)
    dropout: float = Field(0.5, ge=0.0, lt=1.0)

    @field_validator("name")
    @classmethod
    def _known_defense(cls, name: str) -> str:
        if name != "none":
            # Imported here: the defenses load torch, which a study without
            # a defense never needs.
            from miadeps.defenses import DEFENSES

            if name not in DEFENSES:
                raise ValueError(
                    f"unknown defense {name!r}; choose one of {', '.join(DEFENSES)}"
                )
        return name


class TrialSpec(_Spec):
    """Everything one trial does, except its seed."""

    dataset: DatasetSpec = Field(default_factory=lambda: DatasetSpec(name="adult"))
    sampling: SamplingSpec = Field(default_factory=SamplingSpec)
    target: ModelSpec = Field(default_factory=ModelSpec)
    shadow: ShadowSpec = Field(default_factory=ShadowSpec)
    attack: AttackSpec = Field(default_factory=AttackSpec)
    measure: MeasureSpec = Field(default_factory=MeasureSpec)
    defense: DefenseSpec = Field(default_factory=DefenseSpec)


class StudySpec(TrialSpec):
    """A sweep: a base trial, the parameters that vary, repetitions, a seed.

    Attributes
    ----------
    name : str
        Lower-case letters, digits and dashes; part of every trial's key.
    description, reference : str
        What the study shows and where in the paper (e.g. ``"Fig 4"``).
    profile : str or None
        The profile merged into this spec, recorded for the reader.
    seed : int
        Study seed; each trial's seed is derived from it and the trial key.
    reps : int
        Repetitions of every setting.
    vary : list of dict of str to list
        Grids. Each maps dotted paths into the trial spec (e.g.
        ``"sampling.class_balance"``, ``"target.params.width"``) to the
        values they take; a grid is the cartesian product of its lists, and
        the study runs the union of its grids.
    metrics : tuple of str
        Result columns that ``miadeps study show`` summarises.
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    reference: str = ""
    profile: str | None = None
    seed: int = Field(0, ge=0)
    reps: int = Field(1, ge=1)
    vary: list[dict[str, list[Scalar]]] = Field(default_factory=list)
    metrics: tuple[str, ...] = DEFAULT_METRICS

    @model_validator(mode="before")
    @classmethod
    def _grids_as_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("vary"), dict):
            data = {**data, "vary": [data["vary"]]}
        if isinstance(data, dict) and isinstance(data.get("vary"), list):
            data = {**data, "vary": [_flatten_grid(g) for g in data["vary"]]}
        return data

    @model_validator(mode="after")
    def _check_grids(self) -> StudySpec:
        for grid in self.vary:
            if not grid:
                raise ValueError("a vary grid is empty; give at least one parameter")
            for path, values in grid.items():
                _check_path(path)
                if not values:
                    raise ValueError(f"vary {path!r} has no values")
                if len({format_value(v) for v in values}) != len(values):
                    raise ValueError(f"vary {path!r} repeats a value: {values}")
        for assignment in self.settings():
            try:
                self._trial_spec(assignment)
            except ValidationError as exc:
                raise ValueError(
                    f"setting {_describe(assignment)}: {_error_line(exc, TrialSpec)}"
                ) from None
        return self

    def settings(self) -> list[dict[str, Scalar]]:
        """Every assignment of the varied parameters, grid after grid.

        Returns
        -------
        list of dict of str to scalar
            One dict per setting, in grid order; ``[{}]`` when nothing varies.
        """
        if not self.vary:
            return [{}]
        out = []
        for grid in self.vary:
            paths = list(grid)
            for values in itertools.product(*(grid[p] for p in paths)):
                out.append(dict(zip(paths, values, strict=True)))
        return out

    def varied_paths(self) -> list[str]:
        """The varied parameters, each once, in order of first appearance."""
        return list(dict.fromkeys(p for grid in self.vary for p in grid))

    def base(self) -> dict:
        """The base trial spec as a plain dict (no study fields)."""
        return self.model_dump(include=set(TrialSpec.model_fields))

    def trial_spec(self, assignment: dict[str, Scalar]) -> TrialSpec:
        """The trial spec of one setting.

        Raises
        ------
        ConfigError
            When a value does not fit its field.
        """
        try:
            return self._trial_spec(assignment)
        except ValidationError as exc:
            raise ConfigError(
                f"setting {_describe(assignment)}: {_error_line(exc, TrialSpec)}; "
                "fix it in the spec"
            ) from None

    def _trial_spec(self, assignment: dict[str, Scalar]) -> TrialSpec:
        data = self.base()
        for path, value in assignment.items():
            _set_path(data, path, value)
        return TrialSpec.model_validate(data)

    def fingerprint(self) -> str:
        """JSON of the fields that every finished trial's result depends on."""
        data = self.model_dump(mode="json", exclude=set(_NOT_FINGERPRINTED))
        if data.get("defense") == DefenseSpec().model_dump(mode="json"):
            # Stores written before the defense section existed stay
            # resumable: an undefended study fingerprints as it did then.
            del data["defense"]
        attack = data.get("attack", {})
        if not attack.get("also") and attack.get("n_references") == 8:
            # Likewise for a study that runs the shadow-model attack alone.
            del attack["also"], attack["n_references"]
        return json.dumps(data, sort_keys=True)


def _flatten_grid(grid: Any, prefix: str = "") -> Any:
    """``{"sampling": {"class_balance": [...]}}`` -> ``{"sampling.class_balance":
    [...]}``: TOML's dotted keys arrive nested."""
    if not isinstance(grid, dict):
        return grid
    flat = {}
    for key, value in grid.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten_grid(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _check_path(path: str) -> None:
    """Raise unless ``path`` names a field of :class:`TrialSpec`."""
    parts = path.split(".")
    model: type[BaseModel] = TrialSpec
    for depth, part in enumerate(parts):
        where = ".".join(parts[:depth]) or "the spec"
        if part not in model.model_fields:
            known = ", ".join(model.model_fields)
            raise ValueError(
                f"vary {path!r}: {part!r} is not a field of {where}; known: {known}"
            )
        last = depth == len(parts) - 1
        if part == "params":
            if depth != len(parts) - 2:
                raise ValueError(
                    f"vary {path!r}: name one parameter, e.g. "
                    f"{'.'.join(parts[: depth + 1])}.width"
                )
            return
        annotation = model.model_fields[part].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # A whole dataset may vary by name; other sections by their fields.
            if last and part != "dataset":
                raise ValueError(
                    f"vary {path!r}: name a field inside it, e.g. "
                    f"{path}.{next(iter(annotation.model_fields))}"
                )
            model = annotation
        elif not last:
            raise ValueError(f"vary {path!r}: {part!r} has no fields inside it")


def _set_path(data: dict, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = value


def format_value(value: Scalar) -> str:
    """One text per value, used in trial keys; 1 and 1.0 are the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    return str(value)


def _describe(assignment: dict[str, Scalar]) -> str:
    return ", ".join(f"{p}={format_value(v)}" for p, v in assignment.items())


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names of the section at ``loc`` (empty if it is no section)."""
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _error_line(exc: ValidationError, model: type[BaseModel]) -> str:
    """The first validation error as ``location: what is wrong (got value)``."""
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        known = ", ".join(_fields_at(model, first["loc"][:-1]))
        message = f"unknown field; known: {known}"
    elif first["type"] != "value_error" and "input" in first:
        message += f" (got {first['input']!r})"
    more = len(exc.errors()) - 1
    line = f"{location}: {message}" if location else message
    return line + (f" (and {more} more)" if more else "")


def _validate(model: type[BaseModel], data: dict, where: str):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"{where}: {_error_line(exc, model)}; fix it in the spec"
        ) from None


def _merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value) if key != "vary" else value
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_spec(
    raw: dict,
    *,
    source: str,
    profile: str | None = None,
    reps: int | None = None,
    seed: int | None = None,
    base_dir: Path | None = None,
) -> StudySpec:
    """Validate a study spec read from TOML, with a profile merged in.

    Parameters
    ----------
    raw : dict
        The parsed TOML.
    source : str
        Where it came from, for messages (a path or a built-in name).
    profile : str, optional
        A key of ``raw["profiles"]`` to merge over the base; default the
        spec's ``default_profile``, if any.
    reps, seed : int, optional
        Override the spec's repetitions and seed.
    base_dir : Path, optional
        Folder that a relative ``dataset.csv`` path is taken from.

    Returns
    -------
    StudySpec

    Raises
    ------
    ConfigError
        One line naming the bad field, the value and the fix.
    """
    raw = dict(raw)
    profiles = raw.pop("profiles", {}) or {}
    default = raw.pop("default_profile", None)
    chosen = profile if profile is not None else default
    if chosen is not None:
        if chosen not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(
                f"spec {source} has no profile {chosen!r}; its profiles: {known}"
                + ("; leave out --profile" if not profiles else "")
            )
        raw = _merge(raw, profiles[chosen])
        raw["profile"] = chosen
    if reps is not None:
        raw["reps"] = reps
    if seed is not None:
        raw["seed"] = seed
    dataset = raw.get("dataset")
    if base_dir is not None and isinstance(dataset, dict) and dataset.get("csv"):
        raw["dataset"] = {**dataset, "csv": str(base_dir / dataset["csv"])}
    return _validate(StudySpec, raw, f"spec {source}")
