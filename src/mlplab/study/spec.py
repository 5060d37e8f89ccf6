"""Study files: what to compare, as frozen dataclasses loaded from TOML.

A study is datasets x models x seeds (x parameter grids). Everything is
checked when the file is loaded, before anything runs: an unknown key, a wrong
type or an impossible setting names the file, the key and the fix.

    [study]
    name = "E4: neural network vs SVMs"
    seeds = 5                      # or a list [0, 1, 2]
    metrics = ["accuracy", "log_loss", "fit_time"]
    figures = ["boundary", "loss_curve"]

    [split]
    test = 0.2
    random_state = 42              # a fixed split; omit it to split with each seed
    stratify = false

    [[datasets]]
    name = "circles"
    generator = "circles"          # or csv = "points.csv"
    params = { n_samples = 200, noise = 0.2, factor = 0.5, random_state = 42 }

    [[models]]
    name = "svc_rbf"
    baseline = "svc_rbf"           # a name from mlplab.baselines ...
    params = { C = [0.1, 1.0] }    # ... a list is a grid: one cell per value

    [[models]]
    name = "net"
    hidden_layer_sizes = [25, 50]  # or layers = [{input_dim = 2, ...}, ...]
    optimizer = "sgd"
    learning_rate = 0.1
    batch_size = "full"
    epochs = 10000

    [[references]]                 # published figures to compare with
    dataset = "circles"
    model = "svc_rbf"
    metric = "accuracy"
    value = 0.88
"""

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.errors import InvalidInputError

METRICS = ("accuracy", "train_accuracy", "log_loss", "roc_auc", "mse", "r2", "fit_time")
FIGURES = ("boundary", "probability", "loss_curve", "neurons")
NET_KEYS_SPECIAL = {"name", "task", "grid"}


class StudyError(InvalidInputError):
    """A study file that cannot be run; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    generator: str | None = None  # a name from mlplab.data.DATASETS
    csv: str | None = None  # or a CSV file (relative to the study file)
    params: dict = field(default_factory=dict)
    features: tuple | None = None  # PlaygroundFeatures names, e.g. ("x1", "x2", "x1*x2")
    label_column: int = -1


@dataclass(frozen=True)
class ModelSpec:
    name: str
    baseline: str | None = None  # a name from mlplab.baselines; None: an mlplab net
    params: dict = field(default_factory=dict)  # constructor arguments; lists are grids
    task: str = "classification"
    datasets: tuple = ()  # run only on these datasets (default: all of the study's)


@dataclass(frozen=True)
class SplitSpec:
    test: float = 0.2  # 0: no held-out data, test metrics are on the training data (E1)
    validation: float = 0.0
    stratify: bool = True
    random_state: int | None = None  # None: each seed also draws its own split


@dataclass(frozen=True)
class Reference:
    dataset: str
    model: str
    metric: str
    value: float
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class StudySpec:
    name: str
    path: str | None
    datasets: tuple
    models: tuple
    seeds: tuple
    split: SplitSpec = SplitSpec()
    metrics: tuple = ("accuracy", "fit_time")
    figures: tuple = ()
    references: tuple = ()
    description: str = ""
    parts: tuple = ()  # a combined study (include = [...]) is the union of its parts

    def cells(self):
        """Every (dataset, model, grid point, seed) to run, as plain dicts."""
        if self.parts:
            return [cell for part in self.parts for cell in part.cells()]
        cells = []
        for dataset in self.datasets:
            for model in self.models:
                if model.datasets and dataset.name not in model.datasets:
                    continue
                for point in expand_grid(model.params):
                    for seed in self.seeds:
                        cells.append(make_cell(self, dataset, model, point, seed))
        return cells


def make_cell(spec, dataset, model, params, seed):
    cell = {
        "dataset": dataset.name, "dataset_spec": _asdict(dataset),
        "model": model.name, "baseline": model.baseline, "task": model.task,
        "params": params, "seed": seed, "split": _asdict(spec.split),
        "metrics": list(spec.metrics), "study": spec.name,
        "figures": list(spec.figures) if seed == spec.seeds[0] else [],
        "study_dir": str(Path(spec.path).parent) if spec.path else ".",
    }
    identity = {k: cell[k] for k in ("study", "dataset_spec", "model", "baseline", "task",
                                     "params", "seed", "split")}
    cell["key"] = json.dumps(identity, sort_keys=True)
    return cell


def _asdict(obj):
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def expand_grid(params):
    """``{"lr": [0.1, 0.01], "epochs": 5}`` -> two parameter dicts (lists are grids).

    A list of dicts (layer specs) is a value, not a grid.
    """
    keys = [k for k, v in params.items() if isinstance(v, list) and not _is_value_list(k, v)]
    if not keys:
        return [dict(params)]
    points = []
    for values in itertools.product(*(params[k] for k in keys)):
        points.append({**params, **dict(zip(keys, values, strict=True))})
    return points


def _is_value_list(key, value):
    # layer specs and hidden sizes are lists by nature; give a list of them to grid over.
    if key == "layers":
        return all(isinstance(v, dict) for v in value)
    if key in ("hidden_layer_sizes", "features"):
        return all(isinstance(v, int) for v in value)
    return False
