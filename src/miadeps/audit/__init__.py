"""Audit a user's own trained model and data for membership inference.

:func:`audit` loads a model (scikit-learn through skops, TorchScript, or a
file of its prediction vectors), reads the records it trained on and a
population it did not, runs the project's attacks with shadow and reference
models trained on half of the population, ranks the training records by
their exposure, compares groups of records, and measures the data and model
properties. :func:`render_audit_html` and :func:`write_audit` turn the
result into a report.
"""

from __future__ import annotations

from miadeps.audit._attacks import ATTACK_NAMES, AttackOutcome, run_attacks
from miadeps.audit._audit import AuditResult, audit
from miadeps.audit._html import audit_json, render_audit_html, write_audit
from miadeps.audit._load import (
    MODEL_SUFFIXES,
    PICKLE_SUFFIXES,
    LoadedModel,
    load_model,
    untrusted_skops_types,
)
from miadeps.audit._oracle import target_outputs
from miadeps.audit._records import AuditRecords, read_records
from miadeps.audit._risk import disparate_vulnerability, record_risk, sensitive_groups

__all__ = [
    "ATTACK_NAMES",
    "AttackOutcome",
    "AuditRecords",
    "AuditResult",
    "LoadedModel",
    "MODEL_SUFFIXES",
    "PICKLE_SUFFIXES",
    "audit",
    "audit_json",
    "disparate_vulnerability",
    "load_model",
    "read_records",
    "record_risk",
    "render_audit_html",
    "run_attacks",
    "sensitive_groups",
    "target_outputs",
    "untrusted_skops_types",
    "write_audit",
]
