import dataclasses

import pytest

from mlplab.study import load_study
from mlplab.study.builtin import builtin_folder

STUDIES = builtin_folder()


def reduced(spec, seeds=2, epoch_scale=0.1):
    """The same study with fewer seeds and a fraction of the epochs (for tests)."""
    parts = tuple(dataclasses.replace(p, seeds=p.seeds[:seeds]) for p in spec.parts or (spec,))
    spec = dataclasses.replace(spec, parts=parts) if spec.parts else parts[0]

    def shorten(cell):
        params = dict(cell["params"])
        if "epochs" in params:
            params["epochs"] = max(2, int(params["epochs"] * epoch_scale))
        return {**cell, "params": params}

    return spec, shorten


@pytest.fixture
def small_study(tmp_path):
    """A quick study file: two baselines and a small net on two data sets, 2 seeds."""
    path = tmp_path / "small.toml"
    path.write_text('''
[study]
name = "small"
seeds = 2
metrics = ["accuracy", "log_loss", "fit_time"]
figures = ["boundary"]

[split]
test = 0.25

[[datasets]]
name = "moons"
generator = "moons"
params = { n_samples = 120, noise = 0.2, random_state = 1 }

[[datasets]]
name = "circles"
generator = "circles"
params = { n_samples = 120, noise = 0.1, factor = 0.5, random_state = 1 }

[[models]]
name = "rbf"
baseline = "svc_rbf"
params = { C = [0.5, 2.0] }

[[models]]
name = "knn"
baseline = "knn"

[[models]]
name = "net"
hidden_layer_sizes = [8]
activation = "tanh"
learning_rate = 0.02
epochs = 30

[[references]]
dataset = "moons"
model = "knn"
metric = "accuracy"
value = 0.9
''')
    return path


@pytest.fixture
def studies_dir():
    return STUDIES


def load(name):
    return load_study(STUDIES / name)
