"""``audit``: attack a user's own model on its own data, record by record."""

from __future__ import annotations

import logging
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from miadeps import __version__
from miadeps._random import as_generator, draw_seeds
from miadeps.audit._attacks import AttackOutcome, run_attacks
from miadeps.audit._load import load_model
from miadeps.audit._oracle import target_outputs
from miadeps.audit._records import AuditRecords, read_records
from miadeps.audit._risk import disparate_vulnerability, record_risk, sensitive_groups
from miadeps.exceptions import ConfigError, DataError, DegenerateMetricWarning
from miadeps.properties import (
    accuracy,
    binary_groups,
    data_properties,
    group_fairness,
    individual_fairness,
    mia_indistinguishability,
    predictive_fairness,
)

__all__ = ["AuditResult", "audit"]

logger = logging.getLogger(__name__)

# Fewer records leave the shadow models and the metrics nothing to work on.
_MIN_POPULATION = 20

#: The attack whose scores rank the records; see :func:`audit`.
RISK_ATTACK = "lira_offline"

SKIPPED = {
    "mutual_information": "I_X needs many retrainings of the model with and "
    "without each record; an audit of a given, already trained model cannot "
    "retrain it",
}


@dataclass(frozen=True, eq=False)
class AuditResult:
    """What an audit measured.

    Attributes
    ----------
    summary : dict
        JSON-ready: ``model``, ``data``, ``settings``, ``evaluation``,
        ``properties``, ``attacks``, ``risk``, ``groups`` (None without a
        sensitive column), ``encoding`` and ``notes``. Same seed, same
        summary.
    records : pandas.DataFrame
        Every training record ranked by membership risk (see
        :func:`~miadeps.audit.record_risk`), with its group if any.
    curves : dict of str to tuple of numpy.ndarray
        ROC curve ``(fpr, tpr)`` of each attack.
    timings : dict of str to float
        Wall time in seconds of the steps, and ``total_s``.
    """

    summary: dict
    records: pd.DataFrame
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = field(repr=False)
    timings: dict[str, float]


def audit(
    model: str | os.PathLike[str],
    train: str | os.PathLike[str],
    population: str | os.PathLike[str],
    label: str,
    *,
    sensitive: str | None = None,
    id_column: str | None = None,
    positive: Any = None,
    threshold: float | None = None,
    shadow: str = "ann",
    shadow_params: dict | None = None,
    n_shadows: int = 4,
    n_references: int = 8,
    top: int = 10,
    trust_pickle: bool = False,
    random_state: int | np.random.Generator | None = 0,
) -> AuditResult:
    """Measure how exposed a trained model's training records are.

    Parameters
    ----------
    model : str or path-like
        The model: ``.skops`` (scikit-learn), ``.pt`` / ``.ts``
        (TorchScript), ``.csv`` (its prediction vectors), or a pickle with
        ``trust_pickle`` (see :func:`~miadeps.audit.load_model`).
    train : str or path-like
        CSV of the records the model was trained on.
    population : str or path-like
        CSV of records from the same distribution it was not trained on.
    label : str
        The label column.
    sensitive : str, optional
        Column whose groups are compared (attack success per group, and the
        model's fairness on the population).
    id_column : str, optional
        Column of record ids; by default a record is named by its file and
        row (``"train:17"``).
    positive, threshold
        How a label with more than two values is made binary.
    shadow : {"ann", "lr", "svm", "rf", "knn"}, default="ann"
        Kind of the shadow and reference models; match the model's kind.
    shadow_params : dict, optional
        Their hyper-parameters.
    n_shadows : int, default=4
        Shadow models of the Shokri and threshold attacks.
    n_references : int, default=8
        Reference models of LiRA and RMIA.
    top : int, default=10
        Most exposed records listed in the summary.
    trust_pickle : bool, default=False
        Allow loading a pickle file (it can run code).
    random_state : int, numpy Generator or None, default=0
        Seed of the population split and of every attack.

    Returns
    -------
    AuditResult

    Raises
    ------
    ConfigError
        For a refused or unknown model file, or a bad setting.
    DataError
        For bad records or a model that cannot be queried on them.

    Notes
    -----
    The population is split at random into two halves: the *pool*, on which
    the shadow and reference models train (the records an attacker would
    hold), and the *held-out* half, the non-members the attacks are tested
    on next to every training record (the members). Accuracy therefore
    depends on the share of members in that set, which is reported as the
    member rate; AUC and TPR at low FPR do not.

    Records are ranked by the statistic of offline LiRA (Carlini et al.),
    ``z = (phi - mu_out) / sd_out``: the model's logit-scaled confidence on
    the record, in standard deviations above that of reference models that
    never saw it. A record scores high when the model is unusually sure of
    it, which is what per-record exposure means; unlike the best attack by
    AUC, the statistic is calibrated record by record. Properties the model
    itself must be retrained for (I_X) are skipped.
    """
    start = time.perf_counter()
    timings = {}
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ConfigError(f"top must be a positive integer; got {top!r}")

    loaded = load_model(model, trust_pickle=trust_pickle)
    records = read_records(
        train,
        population,
        label,
        id_column=id_column,
        sensitive=sensitive,
        positive=positive,
        threshold=threshold,
    )
    outputs = target_outputs(loaded, records)
    timings["load_s"] = time.perf_counter() - start

    rng = as_generator(random_state)
    n_population = records.y["population"].size
    if n_population < _MIN_POPULATION:
        raise DataError(
            f"the population file has {n_population} records; the audit needs at "
            f"least {_MIN_POPULATION} (half train the shadow and reference models, "
            "half are the non-members); give more records"
        )
    order = rng.permutation(n_population)
    pool, held = (
        np.sort(order[: n_population // 2]),
        np.sort(order[n_population // 2 :]),
    )
    n_train = records.y["train"].size
    membership = np.r_[np.ones(n_train, np.int64), np.zeros(held.size, np.int64)]
    candidates = tuple(
        np.concatenate([part["train"], part["population"][held]])
        for part in (records.X, records.y, outputs)
    )
    pool_data = tuple(
        part["population"][pool] for part in (records.X, records.y, outputs)
    )

    tick = time.perf_counter()
    attack_seed, property_seed = draw_seeds(rng, 2)
    outcomes = run_attacks(
        pool_data,
        candidates,
        membership,
        shadow=shadow,
        shadow_params=shadow_params,
        n_shadows=n_shadows,
        n_references=n_references,
        random_state=attack_seed,
    )
    timings["attacks_s"] = time.perf_counter() - tick
    by_key = {o.key: o for o in outcomes}

    tick = time.perf_counter()
    notes: list[str] = []
    properties = _properties(records, outputs, sensitive, property_seed, notes)
    timings["properties_s"] = time.perf_counter() - tick

    risk = by_key[RISK_ATTACK]
    ranking = record_risk(
        records.ids["train"],
        risk.scores[:n_train],
        outputs["train"],
        records.y["train"],
    )
    groups = None
    if sensitive is not None:
        groups = _compare_groups(records, sensitive, held, membership, outcomes)
        labels = groups.pop("labels")[:n_train]
        group_of = dict(zip(records.ids["train"], labels, strict=True))
        ranking["group"] = ranking["id"].map(group_of)

    curves = {}
    for o in outcomes:
        fpr, tpr, _ = roc_curve(membership, o.scores)
        curves[o.key] = (fpr, tpr)
    best = max(outcomes, key=lambda o: np.nan_to_num(o.report["auc"], nan=-1.0))
    timings["total_s"] = time.perf_counter() - start

    summary = {
        "miadeps_version": __version__,
        "model": {"path": str(loaded.path), "form": loaded.form, "file": loaded.source},
        "data": {
            "train": str(train),
            "population": str(population),
            "label": records.dataset.label_name,
            "label_rule": records.dataset.label_rule,
            "id_column": id_column,
            "n_train": n_train,
            "n_population": int(n_population),
            "n_features": len(records.features),
            "n_encoded": records.encoding.n_encoded,
        },
        "settings": {
            "seed": random_state if isinstance(random_state, int) else None,
            "shadow": shadow,
            "shadow_params": dict(shadow_params or {}),
            "n_shadows": n_shadows,
            "n_references": n_references,
            "top": top,
        },
        "evaluation": {
            "n_pool": int(pool.size),
            "n_members": n_train,
            "n_nonmembers": int(held.size),
            "member_rate": float(membership.mean()),
        },
        "properties": properties,
        "attacks": [{"key": o.key, "name": o.name, **o.report} for o in outcomes],
        "best_attack": best.key,
        "risk": {
            "attack": RISK_ATTACK,
            "top": _top_rows(ranking, top),
        },
        "groups": groups,
        "encoding": records.encoding.to_dict(),
        "notes": notes,
    }
    timings.update({f"attack_{o.key}_s": o.seconds for o in outcomes})
    logger.info("audit done in %.1f s", timings["total_s"])
    return AuditResult(summary=summary, records=ranking, curves=curves, timings=timings)


def _compare_groups(
    records: AuditRecords,
    sensitive: str,
    held: np.ndarray,
    membership: np.ndarray,
    outcomes: list[AttackOutcome],
) -> dict:
    """Every attack's success per group of the evaluation records.

    The groups are formed on the evaluation records (all train records, then
    the held-out population records); ``labels`` holds each one's group.
    """
    values = pd.concat(
        [
            records.raw["train"][sensitive],
            records.raw["population"][sensitive].iloc[held],
        ],
        ignore_index=True,
    )
    labels, rule = sensitive_groups(values, sensitive)
    return {
        "attribute": sensitive,
        "rule": rule,
        "by_attack": {
            o.key: disparate_vulnerability(membership, o.scores, labels)
            for o in outcomes
        },
        "labels": labels,
    }


def _top_rows(ranking: pd.DataFrame, top: int) -> list[dict]:
    rows = []
    for row in ranking.head(top).to_dict("records"):
        rows.append(
            {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        )
    return rows


def _properties(
    records: AuditRecords,
    outputs: dict[str, np.ndarray],
    sensitive: str | None,
    seed: int,
    notes: list[str],
) -> dict:
    """Data properties of the train file and model properties from outputs."""
    pred = {split: np.argmax(p, axis=1) for split, p in outputs.items()}
    train_acc = accuracy(records.y["train"], pred["train"])
    population_acc = accuracy(records.y["population"], pred["population"])
    model = {
        "train_accuracy": train_acc,
        "population_accuracy": population_acc,
        "accuracy_gap": train_acc - population_acc,
        "mia_indistinguishability": mia_indistinguishability(
            pred["train"], pred["population"], n_classes=2
        ),
        "individual_fairness": individual_fairness(
            outputs["population"], records.X["population"], random_state=seed
        ),
    }
    if sensitive is not None:
        model.update(_fairness(records, pred["population"], sensitive, notes))

    return {
        "data": data_properties(records.split("train"), random_state=seed),
        "model": model,
        "skipped": dict(SKIPPED),
    }


def _fairness(
    records: AuditRecords, predicted: np.ndarray, sensitive: str, notes: list[str]
) -> dict:
    """Group and predictive fairness on the population; {} if undefined."""
    # Measured on the population: records the model did not fit, so the
    # numbers describe how it treats new people.
    try:
        groups, rule = binary_groups(records.raw["population"][sensitive], sensitive)
    except DataError as exc:
        notes.append(f"fairness not measured: {exc}")
        return {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateMetricWarning)
        measured = {
            "group_fairness": group_fairness(predicted, groups, labels=[0, 1]),
            "predictive_fairness": predictive_fairness(
                records.y["population"], predicted, groups, labels=[0, 1]
            ),
            "fairness_groups": f"{rule} against the rest",
        }
    notes.extend(f"fairness: {w.message}" for w in caught)
    return measured
