"""Membership inference attacks: prediction vectors in, membership scores out."""

from __future__ import annotations

from miadeps.attacks._lira import LiRAAttack
from miadeps.attacks._rmia import RMIAAttack
from miadeps.attacks._shadow import COMBINE_MODES, SHADOW_KINDS, ShadowModelAttack
from miadeps.attacks._threshold import (
    THRESHOLD_METRICS,
    ThresholdAttack,
    threshold_scores,
)

__all__ = [
    "COMBINE_MODES",
    "LiRAAttack",
    "RMIAAttack",
    "SHADOW_KINDS",
    "THRESHOLD_METRICS",
    "ShadowModelAttack",
    "ThresholdAttack",
    "threshold_scores",
]
