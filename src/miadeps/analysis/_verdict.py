"""A claim check's outcome: the decision, the numbers behind it, one sentence."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from miadeps.exceptions import ConfigError

__all__ = ["FAILS", "HOLDS", "INCONCLUSIVE", "OUTCOMES", "Verdict", "format_p"]

HOLDS = "holds"
FAILS = "does not hold"
INCONCLUSIVE = "inconclusive"
#: The three outcomes of a claim check, best first.
OUTCOMES = (HOLDS, FAILS, INCONCLUSIVE)

_NAN = float("nan")


def format_p(p: float) -> str:
    """``"p = 0.012"``, or ``"p < 0.001"`` for smaller values."""
    if math.isnan(p):
        return "p undefined"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


@dataclass(frozen=True)
class Verdict:
    """What the data say about one claim, decided by a stated rule.

    Attributes
    ----------
    claim : str
        The claim as tested, in terms of the measured columns, e.g.
        ``"attack AUC rises with shadow set size"``.
    outcome : str
        ``"holds"``, ``"does not hold"`` or ``"inconclusive"``.
    evidence : str
        The measured numbers, e.g. ``"Spearman rho = 0.62 (95% CI 0.41 to
        0.77, p < 0.001, n = 45) between shadow set size and attack AUC"``.
    rule : str
        Why this outcome: the part of the decision rule that applied.
    test : str
        The statistical test or estimate used.
    metric : str
        The result column the claim is about.
    n : int
        Trials used.
    statistic : float
        The test's estimate (rho, a slope, a difference...); NaN if none.
    low, high : float
        Its 95% interval; NaN if none.
    p_value : float
        NaN where the test gives none (bootstrap intervals).
    """

    claim: str
    outcome: str
    evidence: str
    rule: str
    test: str
    metric: str
    n: int
    statistic: float = _NAN
    low: float = _NAN
    high: float = _NAN
    p_value: float = _NAN

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ConfigError(
                f"outcome must be one of {', '.join(OUTCOMES)}; got {self.outcome!r}"
            )

    @property
    def sentence(self) -> str:
        """Evidence, outcome and rule in one line."""
        return f"{self.evidence}: {self.outcome} ({self.rule})."

    def as_dict(self) -> dict:
        """The fields and the sentence, for a table row."""
        return {**asdict(self), "sentence": self.sentence}
