"""The paper's claims (one per experiment), each encoded as claim checks.

Every built-in study of :mod:`miadeps.experiments` reproduces one experiment
of Tonni et al. (section 5 of ``PAPER.md``). :data:`PAPER_CLAIMS` pairs it with
the paper's claim, in our words, and with the checks that decide the claim
from the study's rows; :func:`check_claims` runs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from miadeps.analysis._defense_table import check_defense_tradeoff
from miadeps.analysis._group_checks import (
    check_best_varies,
    check_difference,
    check_dip,
    check_many_moderate,
    check_no_overfit,
    check_settings_differ,
)
from miadeps.analysis._tables import grid_rows
from miadeps.analysis._trend_checks import (
    check_lower_bound,
    check_no_effect,
    check_spread_grows,
    check_strongest,
    check_trend,
)
from miadeps.analysis._verdict import Verdict

logger = logging.getLogger(__name__)

__all__ = [
    "ATTACK_METRICS",
    "CORRELATION_CLAIM",
    "PAPER_CLAIMS",
    "ClaimCheck",
    "PaperClaim",
    "check_claims",
    "check_correlation_claim",
]

#: Every attack claim is checked on the paper's metric and on a balanced one.
ATTACK_METRICS = ("attack.accuracy", "attack.auc")
_DEFENSE_METRICS = (*ATTACK_METRICS, "attacks.lira_online.auc")

_DEPTH = "spec.target.params.depth"
_L2 = "spec.target.params.l2"
_FAIRNESS = (
    "model.group_fairness",
    "model.predictive_fairness",
    "model.individual_fairness",
)


@dataclass(frozen=True)
class ClaimCheck:
    """One check of a claim, run once per metric.

    Attributes
    ----------
    run : callable
        ``run(rows, metric) -> Verdict``.
    metrics : tuple of str
        The result columns it is run on.
    subset : str or None
        Run on the rows that have a value in this column only (one grid of
        a study of several grids); None: all rows.
    """

    run: Callable[[pd.DataFrame, str], Verdict]
    metrics: tuple[str, ...] = ATTACK_METRICS
    subset: str | None = None


@dataclass(frozen=True)
class PaperClaim:
    """An experiment of the paper, its claim, and how our data test it.

    Attributes
    ----------
    study : str
        The built-in study that reproduces it.
    reference : str
        Its figure or table in the paper.
    claim : str
        What the paper concludes from it (our wording).
    checks : tuple of ClaimCheck
        The checks that decide the claim.
    """

    study: str
    reference: str
    claim: str
    checks: tuple[ClaimCheck, ...] = field(default_factory=tuple)


def _trend(x: str, direction: str = "increases") -> ClaimCheck:
    return ClaimCheck(
        lambda rows, metric: check_trend(rows, x, metric, direction=direction)
    )


def _grid_trend(x: str) -> ClaimCheck:
    return ClaimCheck(lambda rows, metric: check_trend(rows, x, metric), subset=x)


def _no_effect(x: str) -> ClaimCheck:
    return ClaimCheck(lambda rows, metric: check_no_effect(rows, x, metric))


def _lower_bound(x: str) -> ClaimCheck:
    return ClaimCheck(lambda rows, metric: check_lower_bound(rows, x, metric))


_CLAIMS = (
    PaperClaim(
        "shadow-size",
        "Fig 2",
        "MIA accuracy rises with the size of the attacker's shadow set.",
        (_trend("spec.sampling.shadow_size"),),
    ),
    PaperClaim(
        "target-size",
        "Fig 3",
        "The size of the target's training set has no clear effect.",
        (_no_effect("spec.sampling.target_size"),),
    ),
    PaperClaim(
        "class-balance",
        "Fig 4",
        "The more imbalanced the classes, the higher the lower bound of MIA accuracy.",
        (_lower_bound("spec.sampling.class_balance"),),
    ),
    PaperClaim(
        "feature-balance",
        "Fig 5",
        "The more imbalanced the feature vectors (label 1 a minority), the "
        "higher the lower bound of MIA accuracy.",
        (_lower_bound("spec.sampling.feature_balance"),),
    ),
    PaperClaim(
        "n-features",
        "Fig 6",
        "The number of features has no clear effect.",
        (_no_effect("spec.sampling.n_features"),),
    ),
    PaperClaim(
        "entropy",
        "Fig 7",
        "Data of higher entropy give lower MIA accuracy (a weaker effect on Adult).",
        (_trend("data.entropy", "decreases"),),
    ),
    PaperClaim(
        "architecture",
        "Fig 8",
        "Deeper and wider nets are more vulnerable, and so are large learning "
        "rates; L2 regularisation helps up to a point, then hurts.",
        (
            _trend(_DEPTH),
            _grid_trend("spec.target.params.width"),
            _grid_trend("spec.target.params.learning_rate"),
            ClaimCheck(lambda rows, metric: check_dip(rows, _L2, metric), subset=_L2),
        ),
    ),
    PaperClaim(
        "model-types",
        "Table 2",
        "The best shadow model type depends on the target's type; attacking "
        "with all five types at once adds about 10 points of MIA accuracy.",
        (
            ClaimCheck(
                lambda rows, metric: check_best_varies(
                    rows, "spec.target.kind", "spec.shadow.kind", metric
                )
            ),
            ClaimCheck(
                lambda rows, metric: check_difference(
                    rows, "spec.shadow.kind", "all", metric, within="spec.target.kind"
                )
            ),
        ),
    ),
    PaperClaim(
        "mutual-information",
        "Fig 9",
        "The more mutual information I_X between records and model, the higher "
        "the MIA accuracy.",
        (_trend("model.mutual_information"),),
    ),
    PaperClaim(
        "indistinguishability",
        "Fig 10",
        "A small deviation from MIA-indistinguishability means low MIA "
        "accuracy; a large one does not always mean high accuracy.",
        (
            _trend("model.mia_indistinguishability"),
            ClaimCheck(
                lambda rows, metric: check_spread_grows(
                    rows, "model.mia_indistinguishability", metric
                )
            ),
        ),
    ),
    PaperClaim(
        "fairness",
        "Fig 11",
        "Fairer models are less vulnerable; group fairness shows it most clearly.",
        (
            *(_trend(column) for column in _FAIRNESS),
            ClaimCheck(
                lambda rows, metric: check_strongest(
                    rows, _FAIRNESS, "model.group_fairness", metric
                )
            ),
        ),
    ),
    PaperClaim(
        "depth-l2",
        "Table 3",
        "MIA accuracy differs between depth 1 and 5 and L2 0 and 0.01, "
        "although none of these models overfits.",
        (
            ClaimCheck(
                lambda rows, metric: check_settings_differ(rows, [_DEPTH, _L2], metric)
            ),
            ClaimCheck(
                lambda rows, metric: check_no_overfit(rows, [_DEPTH, _L2], metric),
                metrics=("model.accuracy_gap",),
            ),
        ),
    ),
    PaperClaim(
        "defenses",
        "Table 5",
        "The fairness regularizers lower MIA accuracy while keeping the "
        "target's utility.",
        (
            # Also on online LiRA's AUC, which the defenses study runs: a
            # defense that only blunts the shadow-model attack is no defense.
            ClaimCheck(check_defense_tradeoff, metrics=_DEFENSE_METRICS),
            # Not the paper's claim, but what reading it needs: the property
            # regularizers scale an L1 penalty by exp(r), so they are tested
            # against plain L1 at the same lambda too.
            ClaimCheck(
                lambda rows, metric: check_defense_tradeoff(
                    rows, metric, baseline="l1"
                ),
                metrics=_DEFENSE_METRICS,
            ),
        ),
    ),
)

#: The paper's claims by the built-in study that tests them.
PAPER_CLAIMS: dict[str, PaperClaim] = {claim.study: claim for claim in _CLAIMS}

#: The claim of the paper's Table 4, tested over the trials of all studies.
CORRELATION_CLAIM = PaperClaim(
    "",
    "Table 4",
    "Many pairs of data, model and attack properties correlate moderately.",
)


def check_claims(study: str, rows: pd.DataFrame) -> list[Verdict]:
    """Decide the paper's claim for a built-in study from its rows.

    Parameters
    ----------
    study : str
        The study's name; one of :data:`PAPER_CLAIMS`.
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        The study's trial rows.

    Returns
    -------
    list of Verdict
        One per check and metric, in the order of the claim's checks; empty
        for a study the paper has no claim for.
    """
    claim = PAPER_CLAIMS.get(study)
    if claim is None:
        return []
    verdicts = []
    for check in claim.checks:
        subset = rows if check.subset is None else grid_rows(rows, check.subset)
        verdicts.extend(check.run(subset, metric) for metric in check.metrics)
    return verdicts


def check_correlation_claim(correlations: pd.DataFrame) -> list[Verdict]:
    """Decide the claim of Table 4 from :func:`correlation_table`'s output."""
    return [check_many_moderate(correlations)]
