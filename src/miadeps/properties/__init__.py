"""Properties of datasets and trained models that may drive membership inference.

Pure functions of arrays, following section 4 of Tonni et al., "Data and Model
Dependencies of Membership Inference Attacks" (arXiv 2002.06856):

- data: :func:`class_balance`, :func:`feature_balance` over the
  :func:`feature_vectors` of the :func:`top_mi_features`,
  :func:`dataset_entropy`, and all of them at once in :func:`data_properties`;
- model: :func:`accuracy_gap`, :func:`group_fairness`,
  :func:`predictive_fairness`, :func:`individual_fairness`,
  :func:`mia_indistinguishability`, and all of them in
  :func:`model_properties`;
- leakage: :func:`mutual_information` (I_X), the one measure defined by
  training: it asks the models layer for many retrainings.

The other measures train no model and read no file.
"""

from __future__ import annotations

from miadeps.properties._data import (
    class_balance,
    data_properties,
    feature_balance,
    feature_vectors,
    label_mutual_information,
    top_mi_features,
)
from miadeps.properties._entropy import dataset_entropy, feature_entropies
from miadeps.properties._fairness import (
    group_fairness,
    individual_fairness,
    predictive_fairness,
)
from miadeps.properties._groups import binary_groups
from miadeps.properties._indistinguishability import mia_indistinguishability
from miadeps.properties._leakage import MutualInformationEstimate, mutual_information
from miadeps.properties._model import model_properties
from miadeps.properties._utility import accuracy, accuracy_gap

__all__ = [
    "binary_groups",
    "accuracy",
    "accuracy_gap",
    "class_balance",
    "data_properties",
    "dataset_entropy",
    "feature_balance",
    "feature_entropies",
    "feature_vectors",
    "group_fairness",
    "individual_fairness",
    "label_mutual_information",
    "mia_indistinguishability",
    "mutual_information",
    "MutualInformationEstimate",
    "model_properties",
    "predictive_fairness",
    "top_mi_features",
]
