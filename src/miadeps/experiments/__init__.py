"""Experiments: configurations expanded into trials, trials into result rows."""

from __future__ import annotations

from miadeps.experiments._attack_trial import AttackConfig, run_attack

__all__ = ["AttackConfig", "run_attack"]
