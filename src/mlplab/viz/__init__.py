"""Pictures of networks: decision boundaries, neurons, curves, the layers' view of the
plane, one-input fits, training health, loss landscapes, evaluation figures and
training animations.

Every function returns a matplotlib Figure or Axes; single-panel functions
accept ``ax=`` to draw into an existing figure. Needs matplotlib (and Pillow
for GIFs).
"""

from mlplab.viz.animate import TrainingAnimation, animate_training
from mlplab.viz.animate_views import (
    animate_fit_1d,
    animate_hidden_space,
    animate_loss_landscape,
)
from mlplab.viz.boundary import plot_comparison, plot_decision_boundary, plot_probability
from mlplab.viz.curves import plot_history, plot_linear_collapse
from mlplab.viz.evaluation import (
    plot_calibration,
    plot_confusion_matrix,
    plot_precision_recall,
    plot_roc,
)
from mlplab.viz.fit1d import plot_fit_1d, unit_contributions
from mlplab.viz.health import plot_training_health
from mlplab.viz.hidden import hidden_space, plot_hidden_space
from mlplab.viz.landscape import loss_landscape, plot_loss_landscape
from mlplab.viz.neurons import plot_network, plot_neurons
from mlplab.viz.optimizers import compare_optimizers

__all__ = [
    "plot_decision_boundary", "plot_probability", "plot_comparison", "plot_neurons",
    "plot_network", "plot_history", "plot_linear_collapse", "animate_training",
    "TrainingAnimation", "plot_hidden_space", "hidden_space", "animate_hidden_space",
    "plot_fit_1d", "unit_contributions", "animate_fit_1d", "plot_training_health",
    "plot_loss_landscape", "loss_landscape", "compare_optimizers", "plot_confusion_matrix",
    "plot_roc", "plot_precision_recall", "plot_calibration",
    "animate_loss_landscape",
]
