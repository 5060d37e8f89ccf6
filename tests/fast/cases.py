"""The setups the runner-equality tests train, derived from the engine's registries: a new
activation, loss or compiled optimizer is tested on every runner without editing a list."""

from mlplab.engine import ACTIVATIONS, LOSSES
from mlplab.fast import tables

HIDDEN = [name for name in ACTIVATIONS if name != "softmax"]  # softmax: output only
# Every (loss, output activation) pair the losses take (mse takes any output) and the
# kernels fuse (the others train on the NumPy runner: tests/engine/test_targets.py).
PAIRS = [(loss_name, output) for loss_name, loss in LOSSES.items()
         for output in (loss.output_activations or tuple(ACTIVATIONS))
         if (type(loss), output) not in tables.UNCOMPILED_PAIRS]


def _units(output, i):
    return 3 if output == "softmax" else 1 + i % 2


# (hidden activation, loss, output activation, output units): every hidden activation and
# every pair at least once.
SETUPS = [(HIDDEN[i % len(HIDDEN)], *PAIRS[i % len(PAIRS)], _units(PAIRS[i % len(PAIRS)][1], i))
          for i in range(max(len(HIDDEN), len(PAIRS)))]

# Hyper-parameters that choose another update rule inside one optimizer class.
VARIANTS = {"SGD": [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True}]}
# Every optimizer the kernels run, as {"name": ..., ...} configs.
OPTIMIZERS = [{"name": kind.name, "learning_rate": 0.005, **variant}
              for kind in tables.OPTIMIZER_CODES
              for variant in VARIANTS.get(kind.__name__, [{}])]


def setup_id(setup):
    return "-".join(str(part) for part in setup)


def optimizer_id(config):
    return "-".join(f"{value}" for key, value in config.items() if key != "learning_rate")
