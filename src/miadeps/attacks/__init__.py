"""Membership inference attacks: prediction vectors in, membership scores out."""

from __future__ import annotations

from miadeps.attacks._shadow import COMBINE_MODES, SHADOW_KINDS, ShadowModelAttack

__all__ = ["COMBINE_MODES", "SHADOW_KINDS", "ShadowModelAttack"]
