"""The kinds of figure drawn by name, in one registry: ``mlplab plot KIND``, the workflows
and a study's ``figures = [...]`` all read :data:`FIGURE_KINDS`.

Each kind draws a fitted model on its data and returns a matplotlib Figure. ``preview``
asks for the coarser grids of a report's small images.
"""

from dataclasses import dataclass
from typing import Any

from mlplab._validation import did_you_mean
from mlplab.errors import InvalidInputError, UnknownNameError


@dataclass(frozen=True)
class FigureData:
    """The points a figure is drawn on: training points, and test points if any."""

    X: Any
    y: Any
    X_test: Any = None
    y_test: Any = None


@dataclass(frozen=True)
class FigureKind:
    """A named figure: ``draw(model, data, preview) -> Figure or Axes``, and what it says."""

    name: str
    description: str
    draw: Any
    needs_network: bool = False  # the model must be an mlplab network (or estimator over one)
    features: int | None = 2  # the input width it draws (2: the plane), None: any
    requires: Any = None  # model -> why it cannot be drawn (str) or None, if it needs more


def _boundary(model, data, preview):
    from mlplab.viz import plot_decision_boundary
    from mlplab.viz._grid import is_regressor

    if is_regressor(model):  # no classes: its predicted surface is its picture
        return _probability(model, data, preview)
    return plot_decision_boundary(model, data.X, data.y, X_test=data.X_test,
                                  y_test=data.y_test, resolution=120 if preview else 200,
                                  legend=not preview)


def _probability(model, data, preview):
    from mlplab.viz import plot_probability

    return plot_probability(model, data.X, data.y, resolution=120 if preview else 200)


def _neurons(model, data, preview):
    from mlplab.viz import plot_neurons

    return plot_neurons(model, data.X, None if preview else data.y,
                        resolution=40 if preview else 60)


def _network(model, data, preview):
    from mlplab.viz import plot_network

    return plot_network(model, X=data.X, thumbnails=True)


def _history(model, data, preview):
    from mlplab.viz import plot_history

    return plot_history(getattr(model, "history", None) or model)


def _linear_classifier(model):
    from mlplab.engine.spec import neuron_layers
    from mlplab.viz._grid import is_regressor

    network = getattr(model, "model_", model)
    hidden = neuron_layers(network.layers)[:-1]
    if any(activation.name != "linear" for _, activation in hidden):
        return ("only a stack with linear hidden layers collapses to one linear map "
                "(this one has non-linear activations)")
    if is_regressor(model) or network.output_units != 1:
        return "the collapse figure draws a binary classifier (one sigmoid output)"
    return None


def _collapse(model, data, preview):
    from mlplab.viz import plot_linear_collapse

    return plot_linear_collapse(model, data.X, data.y)


def _hidden_space(model, data, preview):
    from mlplab.viz import plot_hidden_space

    return plot_hidden_space(model, data.X, data.y, layer="all",
                             panel_size=2.8 if preview else 3.6)


def _fit_1d(model, data, preview):
    from mlplab.viz import plot_fit_1d

    return plot_fit_1d(model, data.X, data.y, resolution=200 if preview else 400)


def _health(model, data, preview):
    from mlplab.viz import plot_training_health

    return plot_training_health(model)


def _health_recorded(model):
    inner = getattr(model, "model_", model)
    if getattr(getattr(inner, "history", None), "health", None) is None:
        return ("the model was not trained with a TrainingHealth callback: fit(X, y, "
                "callbacks=[mlplab.engine.health.TrainingHealth(X, y)])")
    return None


def _landscape(model, data, preview):
    from mlplab.viz import plot_loss_landscape

    return plot_loss_landscape(model, data.X, data.y, resolution=15 if preview else 31)


def _scored(data):
    """The points a score picture uses: the test points if any, else the training ones."""
    if data.X_test is not None:
        return data.X_test, data.y_test, "test points"
    return data.X, data.y, "training points"


def _evaluation(function_name, title):
    def draw(model, data, preview):
        from mlplab.viz import evaluation

        X, y, which = _scored(data)
        return getattr(evaluation, function_name)(model, X, y, title=f"{title} ({which})")

    return draw


def _classifier_only(model):
    from mlplab.viz._grid import is_regressor

    return "the model is a regressor; this figure scores a classifier" if is_regressor(
        model) else None


def _probabilities_only(model):
    from mlplab.engine.model import Sequential

    if _classifier_only(model):
        return _classifier_only(model)
    inner = getattr(model, "model_", model)
    if isinstance(inner, Sequential) or hasattr(model, "predict_proba") and getattr(
            model, "probability", True):
        return None
    return f"a {type(model).__name__} gives no probabilities to calibrate"


FIGURE_KINDS = {kind.name: kind for kind in (
    FigureKind("boundary", "decision regions with the training (and test) points", _boundary),
    FigureKind("probability", "the predicted probability over the plane", _probability),
    FigureKind("neurons", "every neuron's activation over the plane", _neurons,
               needs_network=True),
    FigureKind("network", "the network, weights as lines, neurons as thumbnails", _network,
               needs_network=True),
    FigureKind("history", "loss (and metrics) per epoch", _history),
    FigureKind("collapse", "a linear stack collapsed to one linear map (E1)", _collapse,
               needs_network=True, requires=_linear_classifier),
    FigureKind("hidden_space", "the data and the input grid in every layer's coordinates",
               _hidden_space, needs_network=True),
    FigureKind("fit_1d", "a one-input fit as the sum of its hidden units' terms", _fit_1d,
               needs_network=True, features=1),
    FigureKind("health", "weights, gradients and activations per layer over training",
               _health, needs_network=True, features=None, requires=_health_recorded),
    FigureKind("landscape", "the loss around the trained weights (Li et al. 2018)",
               _landscape, needs_network=True, features=None),
    FigureKind("confusion", "counts of true against predicted classes",
               _evaluation("plot_confusion_matrix", "confusion matrix"), features=None,
               requires=_classifier_only),
    FigureKind("roc", "ROC curves with their AUC", _evaluation("plot_roc", "ROC curve"),
               features=None, requires=_classifier_only),
    FigureKind("precision_recall", "precision-recall curves with their average precision",
               _evaluation("plot_precision_recall", "precision-recall"), features=None,
               requires=_classifier_only),
    FigureKind("calibration", "predicted probabilities against observed frequencies",
               _evaluation("plot_calibration", "calibration"), features=None,
               requires=_probabilities_only),
)}
ALIASES = {"loss_curve": "history"}  # the name study files used first


def get(name) -> FigureKind:
    """The figure kind ``name`` (or an alias); unknown names raise with the valid ones."""
    if isinstance(name, str) and ALIASES.get(name, name) in FIGURE_KINDS:
        return FIGURE_KINDS[ALIASES.get(name, name)]
    raise UnknownNameError(f"unknown figure {name!r}.{did_you_mean(str(name), FIGURE_KINDS)} "
                           f"Choose one of {', '.join(FIGURE_KINDS)}.")


def cannot_draw(name, model, data) -> str | None:
    """Why figure ``name`` cannot be drawn of ``model`` on ``data``, or None if it can."""
    kind = get(name)
    if kind.features is not None and data.X.shape[1] != kind.features:
        return (f"the {kind.name} figure draws {kind.features}-D data; this data has "
                f"{data.X.shape[1]} features")
    if kind.needs_network and not (hasattr(model, "layers") or hasattr(model, "model_")):
        return f"the {kind.name} figure draws an mlplab network, not a {type(model).__name__}"
    if kind.requires is not None and kind.requires(model) is not None:
        return kind.requires(model)
    if kind.name == "history" and getattr(model, "history", None) is None and not hasattr(
            model, "loss_curve_"):
        return "the model has no training history to plot"
    return None


def draw(name, model, data, *, preview=False):
    """Figure ``name`` of the fitted ``model`` on ``data`` (a :class:`FigureData`), as a
    matplotlib Figure; an mlplab error says why when it cannot be drawn."""
    reason = cannot_draw(name, model, data)
    if reason is not None:
        raise InvalidInputError(f"{reason}.")
    drawn = get(name).draw(model, data, preview)
    return getattr(drawn, "figure", drawn)
