"""Run one cell of a study: one dataset, one model (one grid point), one seed.

``run_cell`` takes and returns plain dicts, so it can run in another process
or on a Dask worker. It never raises: a failure is returned as a result.
"""

import base64
import io
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

from mlplab import data
from mlplab.errors import InvalidInputError, UnknownNameError
from mlplab.study.scores import score

FIGURE_DPI = 100  # the report shows figures 340 px high, and a click enlarges them


def build_estimator(baseline, params, task, seed, check=False):
    """A fresh estimator: a baseline by name, or an mlplab net from its settings."""
    from mlplab.baselines import make_model
    from mlplab.estimator import NetClassifier, NetRegressor

    if baseline is not None:
        estimator = make_model(baseline, **params)
    else:
        kind = NetRegressor if task == "regression" else NetClassifier
        unknown = sorted(set(params) - set(kind().get_params()))
        if unknown:
            from mlplab._validation import did_you_mean

            raise UnknownNameError(f"unknown setting {unknown[0]!r}."
                             f"{did_you_mean(unknown[0], kind().get_params())} "
                             f"Settings are {kind.__name__}'s parameters.")
        estimator = kind(**params)
        if check:
            estimator._check_parameters()
            _check_net_settings(estimator)
    if "random_state" in estimator.get_params() and "random_state" not in params:
        estimator.set_params(random_state=seed)
    return estimator


def _check_net_settings(estimator):
    from mlplab.engine import activations, initializers, optimizers
    from mlplab.engine.model import Sequential

    activations.get(estimator.activation)
    initializers.get(estimator.kernel_initializer)
    optimizers.get(estimator.optimizer)
    if estimator.layers is not None:
        Sequential.from_spec(estimator.layers)
    for size in np.atleast_1d(estimator.hidden_layer_sizes):
        if int(size) <= 0:
            raise InvalidInputError(f"hidden_layer_sizes: {size} is not a positive width; give "
                                    "widths such as [8, 8].")


def load_dataset(spec, seed, study_dir):
    if spec["csv"]:
        X, y = data.load_csv(Path(study_dir) / spec["csv"], label_column=spec["label_column"])
    else:
        params = dict(spec["params"])
        params.setdefault("random_state", seed)
        X, y = data.make_dataset(spec["generator"], **params)
    if spec["features"]:
        X = data.PlaygroundFeatures(list(spec["features"])).fit_transform(X)
    return X, y


def split_data(X, y, split, seed):
    """The cell's train/test split; ``test = 0`` scores on the training data itself."""
    if split["test"] == 0:
        return data.Split(X, y, None, None, X, y)
    split_seed = seed if split["random_state"] is None else split["random_state"]
    return data.split(X, y, test=split["test"], validation=split["validation"],
                      random_state=split_seed, stratify=split["stratify"])


def run_cell(cell):
    """Fit and score one cell; return a dict with status, metrics, history and figures."""
    started = time.time()
    try:
        result = _run(cell)
        result["status"] = "done"
    except Exception as exc:  # a failed cell is recorded; the study carries on
        result = failed_result(exc)
    result.update(key=cell["key"], started=started, finished=time.time())
    return result


def _run(cell):
    parts = cell_data(cell)
    estimator = cell_estimator(cell)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        estimator.fit(parts.X_train, parts.y_train)
        fit_time = time.perf_counter() - start
    return fitted_result(cell, estimator, parts, fit_time, caught)


def cell_data(cell):
    """The cell's train/test parts of its data set (drawn with its seed where it says)."""
    X, y = load_dataset(cell["dataset_spec"], cell["seed"], cell["study_dir"])
    return split_data(X, y, cell["split"], cell["seed"])


def cell_estimator(cell):
    return build_estimator(cell["baseline"], cell["params"], cell["task"], cell["seed"])


def fitted_result(cell, estimator, parts, fit_time, caught):
    """A fitted cell's result: its scores, loss curve, figures and the warnings ``caught``."""
    metrics = score(estimator, parts, cell["metrics"], fit_time)
    history = [float(v) for v in getattr(estimator, "loss_curve_", [])]
    figures = draw_figures(estimator, parts, cell["figures"])
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})[:5]
    return {"metrics": metrics, "history": history, "figures": figures, "warnings": messages}


def failed_result(exc):
    return {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=5)}


def seed_free(cell):
    """Whether the cell's seed changes nothing: a baseline that draws nothing at random
    (no ``random_state``, or an SVC without probabilities) on fixed data and a fixed
    split. Such a cell runs once, for the study's first seed."""
    if cell["baseline"] is None:
        return False
    spec, split = cell["dataset_spec"], cell["split"]
    fixed_data = bool(spec["csv"]) or "random_state" in (spec["params"] or {})
    fixed_split = split["test"] == 0 or split["random_state"] is not None
    if not (fixed_data and fixed_split):
        return False
    estimator = build_estimator(cell["baseline"], cell["params"], cell["task"], cell["seed"])
    params = estimator.get_params()
    if "random_state" not in params:
        return True
    # An SVC draws only for Platt's probabilities (probability=True; newer scikit-learn's
    # default is the word "deprecated").
    return type(estimator).__name__ == "SVC" and params.get("probability") is not True


def draw_figures(estimator, parts, kinds_asked):
    """PNG images (base64 text) of the fitted model, for the report."""
    if not kinds_asked:
        return {}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mlplab.viz import kinds

    images = {}
    data = kinds.FigureData(parts.X_train, parts.y_train, parts.X_test, parts.y_test)
    for kind in kinds_asked:
        if kinds.cannot_draw(kind, estimator, data):  # e.g. neurons of an SVC
            continue
        figure = kinds.draw(kind, estimator, data, preview=True)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=FIGURE_DPI)
        plt.close(figure)
        images[kind] = base64.b64encode(buffer.getvalue()).decode("ascii")
    return images
