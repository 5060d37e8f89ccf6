"""The spread of a setting's runs beside its verdict: a strip of the runs over a box of
their median and central 90%, the published value marked as a red diamond with its
rounding interval."""

import io

import numpy as np

PUBLISHED_COLOR = "#c62828"
RUN_COLOR = "#1f5fa8"


def strip_plot(verdict, width=4.2, height=1.15, dpi=110):
    """PNG bytes: ``verdict``'s runs (one dot each, jittered upwards) with the box of
    the central 90% and the median, and the published value marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mlplab.study.verdict import half_unit

    summary, value = verdict.spread, float(verdict.reference.value)
    runs = np.asarray(summary.runs)
    figure, ax = plt.subplots(figsize=(width, height), dpi=dpi)
    jitter = np.random.default_rng(0).uniform(-0.22, 0.22, len(runs))  # fixed: same picture
    ax.add_patch(plt.Rectangle((summary.low, -0.35), summary.high - summary.low, 0.7,
                               facecolor="#dfe8f3", edgecolor="#8aa4c8", zorder=1))
    ax.plot([summary.median] * 2, [-0.35, 0.35], color=RUN_COLOR, linewidth=1.6, zorder=2)
    ax.scatter(runs, jitter, s=14, color=RUN_COLOR, alpha=0.75, zorder=3, linewidths=0)
    if len(summary.modes) == 2:  # the share of the runs in each mode, above it
        for mode in summary.modes:
            ax.text((mode.low + mode.high) / 2, 0.38, f"{mode.share:.0%}", ha="center",
                    va="bottom", fontsize=7, color=RUN_COLOR)
    h = half_unit(value)
    ax.axvspan(value - h, value + h, color=PUBLISHED_COLOR, alpha=0.15, zorder=0)
    ax.scatter([value], [0], marker="D", s=42, color=PUBLISHED_COLOR, zorder=4,
               edgecolors="white", linewidths=0.8)
    low, high = min(runs.min(), value - h), max(runs.max(), value + h)
    pad = max(0.02, 0.08 * (high - low))
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(f"{verdict.reference.metric}: {len(runs)} run{'s' * (len(runs) > 1)}",
                  fontsize=8)
    figure.tight_layout(pad=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
