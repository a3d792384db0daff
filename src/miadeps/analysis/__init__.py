"""Analysis: tables, correlations and claim checks from stored trial rows.

Pure functions of result rows (pandas DataFrames, one row per trial, as
:meth:`miadeps.experiments.ResultStore.rows` gives them); they train nothing,
read no file and draw nothing.

- claim checks decide a claim from the data with a stated test and return a
  :class:`Verdict` ("holds", "does not hold" or "inconclusive") whose
  sentence is built from the numbers: :func:`check_trend`,
  :func:`check_no_effect`, :func:`check_lower_bound`,
  :func:`check_spread_grows`, :func:`check_strongest`,
  :func:`check_difference`, :func:`check_dip`,
  :func:`check_settings_differ`, :func:`check_no_overfit`,
  :func:`check_best_varies`, :func:`check_many_moderate`;
- the paper's claims, one per experiment, encoded as such checks:
  :data:`PAPER_CLAIMS` and :func:`check_claims`;
- :func:`correlation_table`: Pearson and Spearman correlation of every pair
  of measured properties (the paper's Table 4);
- defenses compared (the paper's Table 5): :func:`defense_table` and the
  claim check :func:`check_defense_tradeoff`;
- tables: :func:`summary_table`, :func:`depth_l2_table` (Table 3),
  :func:`model_type_matrix` (Table 2), :func:`drop_low_utility`.
"""

from __future__ import annotations

from miadeps.analysis._correlation import (
    ATTACK_PROPERTIES,
    correlation_table,
    property_columns,
)
from miadeps.analysis._defense_table import (
    DEFENSE_COLUMN,
    DEFENSE_TABLE_METRICS,
    FAIRNESS_DEFENSES,
    check_defense_tradeoff,
    defense_parameter,
    defense_table,
    target_columns,
)
from miadeps.analysis._group_checks import (
    check_best_varies,
    check_difference,
    check_dip,
    check_many_moderate,
    check_no_overfit,
    check_settings_differ,
)
from miadeps.analysis._labels import (
    axis_label,
    column_label,
    column_unit,
    setting_label,
)
from miadeps.analysis._paper import (
    ATTACK_METRICS,
    CORRELATION_CLAIM,
    PAPER_CLAIMS,
    ClaimCheck,
    PaperClaim,
    check_claims,
    check_correlation_claim,
)
from miadeps.analysis._stats import (
    Correlation,
    Difference,
    mean_interval,
    rank_correlation,
    welch_difference,
)
from miadeps.analysis._tables import (
    DEPTH_L2_METRICS,
    depth_l2_table,
    drop_low_utility,
    grid_rows,
    model_type_matrix,
    summary_table,
)
from miadeps.analysis._trend_checks import (
    LOWER_BOUND_QUANTILE,
    check_lower_bound,
    check_no_effect,
    check_spread_grows,
    check_strongest,
    check_trend,
)
from miadeps.analysis._verdict import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    OUTCOMES,
    Verdict,
    format_p,
)

__all__ = [
    "ATTACK_METRICS",
    "ATTACK_PROPERTIES",
    "CORRELATION_CLAIM",
    "DEFENSE_COLUMN",
    "DEFENSE_TABLE_METRICS",
    "DEPTH_L2_METRICS",
    "FAIRNESS_DEFENSES",
    "FAILS",
    "HOLDS",
    "INCONCLUSIVE",
    "LOWER_BOUND_QUANTILE",
    "OUTCOMES",
    "PAPER_CLAIMS",
    "ClaimCheck",
    "Correlation",
    "Difference",
    "PaperClaim",
    "Verdict",
    "axis_label",
    "check_best_varies",
    "check_claims",
    "check_correlation_claim",
    "check_defense_tradeoff",
    "check_difference",
    "check_dip",
    "check_lower_bound",
    "check_many_moderate",
    "check_no_effect",
    "check_no_overfit",
    "check_settings_differ",
    "check_spread_grows",
    "check_strongest",
    "check_trend",
    "column_label",
    "column_unit",
    "correlation_table",
    "defense_parameter",
    "defense_table",
    "depth_l2_table",
    "drop_low_utility",
    "format_p",
    "grid_rows",
    "mean_interval",
    "model_type_matrix",
    "property_columns",
    "rank_correlation",
    "setting_label",
    "summary_table",
    "target_columns",
    "welch_difference",
]
