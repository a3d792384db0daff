"""The ROC figure of an attack comparison: every attack on one target.

Drawn like the report's other figures (:mod:`miadeps.reports._figures`):
an Agg canvas, no pyplot, and saved with fixed metadata, so that the same
rows give the same bytes.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

__all__ = ["attack_roc_figure"]

# Black, so that chance is not mistaken for tab10 brown (an attack's colour).
_CHANCE_COLOUR = "#000000"
# Linestyles as well as colours, so that curves stay apart in greyscale
# and where several attacks share a curve.
_LINESTYLES = ("-", "--", "-.", ":")


def attack_roc_figure(
    fpr: Sequence[float],
    curves: Mapping[str, np.ndarray],
    *,
    title: str,
    low: float = 1e-4,
) -> Figure:
    """Mean ROC curves of several attacks on log-log axes.

    Parameters
    ----------
    fpr : sequence of float of shape (n_points,)
        The false-positive rates the curves are read at, increasing.
    curves : mapping of str to ndarray of shape (n_points,)
        Attack name (the legend entry) to its mean TPR at each rate of
        ``fpr``, in legend order.
    title : str
    low : float, default=1e-4
        The lower limit of both axes; TPRs of 0 sit on it.

    Returns
    -------
    matplotlib.figure.Figure
        One panel; the diagonal (an attack that guesses) drawn dashed.

    Notes
    -----
    A log axis cannot show 0: a mean TPR of 0 at a low FPR is drawn at
    ``low``, the bottom edge of the panel.
    """
    figure = Figure(figsize=(6.4, 5.0), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    fpr = np.asarray(fpr, dtype=float)
    colours = matplotlib.colormaps["tab10"](np.arange(max(len(curves), 1)) % 10)

    ax.plot([low, 1.0], [low, 1.0], color=_CHANCE_COLOUR, ls=":", lw=1, label="chance")
    for k, (name, tpr) in enumerate(curves.items()):
        tpr = np.clip(np.asarray(tpr, dtype=float), low, 1.0)
        ax.plot(
            fpr,
            tpr,
            color=colours[k],
            ls=_LINESTYLES[k % len(_LINESTYLES)],
            lw=1.4,
            label=name,
        )

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, 1.0)
    ax.set_ylim(low, 1.0)
    ax.set_xlabel("False-positive rate")
    ax.set_ylabel("True-positive rate (mean over repetitions)")
    for rate in (1e-3, 1e-2):
        ax.axvline(rate, color="#888888", lw=0.6, ls=":")
    # Below the diagonal is where no attack better than a guess goes.
    ax.legend(loc="lower right", frameon=False, title="attack")
    # Wrapped: a long setting name on one line would squeeze the panel.
    ax.set_title("\n".join(textwrap.wrap(title, 72)))
    return figure
