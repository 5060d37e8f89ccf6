"""A cell's seeds together: one task per group of cells that differ in their seed only.

A task goes to a worker as one job and its results are saved in one commit. A
group of an mlplab net trains its seeds in one :func:`mlplab.engine.fit_many` call
only where that gives every seed the very bits of its own ``fit``: the seeds share
their data and their batch order (full batches, or no shuffling), and the net is
large enough for ``fit_many`` to run each seed's own compiled epochs (E4's net). Other
stacks agree with separate fits only to rounding, and long runs amplify rounding: E5's
net (SGD, momentum 0.99) ends with weights 0.5 apart after 200 epochs when its
per-step differences start at 1e-15, so a seed would give another verdict when
stacked than when run alone. Everything else fits seed by seed (:func:`why_apart`).

Like ``run_cell``, :func:`run_cells` takes and returns plain dicts and never raises.
"""

import time
import warnings
from collections import defaultdict

import numpy as np

from mlplab.errors import MlplabError, TrainingDivergedWarning
from mlplab.study.cell import (
    cell_data,
    cell_estimator,
    failed_result,
    fitted_result,
    run_cell,
)

SEEDS_PER_TASK = 10  # a task's seeds; an interrupted run loses at most one task per worker
# Net settings that fit_many does not train (callbacks, penalties, weights): their defaults.
TOGETHER_SETTINGS = {"n_iter_no_change": None, "early_stopping": False, "alpha": 0.0,
                     "l1": 0.0, "dtype": "float64", "verbose": 0, "warm_start": False}


def tasks(cells, seeds_per_task=SEEDS_PER_TASK):
    """The cells as tasks: each group's cells (in seed order) in chunks of
    ``seeds_per_task``, groups in the order they come."""
    groups = defaultdict(list)
    for cell in cells:
        groups[cell.get("group", cell["key"])].append(cell)
    return [group[start:start + seeds_per_task] for group in groups.values()
            for start in range(0, len(group), seeds_per_task)]


def why_apart(cell):
    """Why a cell's seeds fit one by one, or None when they may train together.

    Together: an mlplab net with the settings ``fit_many`` trains (no early stop, no
    penalty, float64), in full batches or unshuffled ones. :func:`_together` also
    checks that the seeds' data are the same and that ``fit_many`` will run each
    seed's own compiled epochs.
    """
    if cell["baseline"] is not None:
        return "a baseline"
    params = cell_estimator(cell).get_params()
    for name, value in TOGETHER_SETTINGS.items():
        if params[name] != value:
            return f"{name}={params[name]!r} (fit_many trains {name}={value!r} only)"
    if params["optimizer"] == "lbfgs":
        return "L-BFGS"
    if params["batch_size"] is not None and params["shuffle"]:
        return "shuffled batches: each seed its own order, which only NumPy's stack runs"
    return None


def run_cells(cells):
    """Fit and score the cells of one task (one group's seeds); a result per cell."""
    if len(cells) > 1 and why_apart(cells[0]) is None:
        try:
            return _together(cells)
        except (_Apart, MlplabError, ValueError, TypeError):  # e.g. fit_many refuses it
            pass
    return [run_cell(cell) for cell in cells]


def _together(cells):
    """The group's seeds trained by one fit_many call, each scored on its own split."""
    from mlplab.engine.many import fit_many

    started = time.time()
    parts = [cell_data(cell) for cell in cells]
    estimators = [cell_estimator(cell) for cell in cells]
    data = [_start_fit(e, p.X_train, p.y_train) for e, p in zip(estimators, parts, strict=True)]
    shared = all(np.array_equal(X, data[0][0]) and np.array_equal(Y, data[0][1])
                 for X, Y in data)
    first = estimators[0]
    if not (shared and _own_compiled_epochs(first.model_)):
        raise _Apart("not the bits of each seed's own fit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        histories = fit_many([e.model_ for e in estimators], *data[0], epochs=first.epochs,
                             batch_size=first._batch_size(len(data[0][0])),
                             shuffle=first.shuffle, random_state=first._fit_rng)
        fit_time = (time.perf_counter() - start) / len(cells)  # each seed's share
    caught = [w for w in caught if not issubclass(w.category, TrainingDivergedWarning)]
    results = []
    for cell, estimator, part, history in zip(cells, estimators, parts, histories, strict=True):
        if history.stop_reason:  # diverged: its own fit raises, and says so, as apart
            results.append(run_cell(cell))
            continue
        _finish_fit(estimator, history)
        results.append(_scored(cell, estimator, part, fit_time, caught, started))
    return results


class _Apart(Exception):
    """The group's seeds fit one by one after all."""


def _own_compiled_epochs(model):
    """Whether fit_many ("auto") trains models like ``model`` in their own compiled
    epochs, which give each the bits of its own fit (:mod:`mlplab.fast.many`)."""
    from mlplab.fast import epochs, stack

    return epochs.supports(model) is None and not stack.pays_off(model)


def _scored(cell, estimator, part, fit_time, caught, started):
    try:
        result = fitted_result(cell, estimator, part, fit_time, caught)
        result["status"] = "done"
    except Exception as exc:  # scoring or figures failed: recorded, as in run_cell
        result = failed_result(exc)
    result.update(key=cell["key"], started=started, finished=time.time())
    return result


# What NetClassifier.fit / NetRegressor.fit do around model.fit, for the settings of
# TOGETHER_SETTINGS (no sample weights, callbacks or penalties). Tests hold the results to
# the estimators' own fit (tests/study/test_together.py).

def _start_fit(estimator, X, y):
    """The estimator checked, its network built from its seed; (X, targets) to train."""
    estimator._check_parameters()
    X = estimator._within_bound(np.asarray(X, dtype=np.float64))
    targets = estimator._encode_targets(y, False, None, False)
    estimator.model_ = estimator._build_model(X.shape[1], estimator._n_outputs(targets), len(X))
    estimator.n_features_in_ = X.shape[1]
    return X, targets


def _finish_fit(estimator, history):
    estimator.loss_curve_ = list(history.history["loss"])
    estimator.n_iter_ = len(history.epoch)
    estimator.validation_scores_, estimator.best_validation_score_ = [], None
