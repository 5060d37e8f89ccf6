"""A model as plain data: the layer dicts, dtype, seed, compile settings and history.

What :meth:`Sequential.get_config` returns and :meth:`Sequential.from_config` reads
(a saved file's header, :mod:`mlplab.engine.io`), kept beside the model so that
``model.py`` holds the algorithm only. Nothing here imports the model: the class to
build is passed in.
"""

from mlplab.engine import metrics
from mlplab.engine.layers import Dense
from mlplab.engine.spec import layers_from_dicts
from mlplab.errors import SpecError


def layer_specs(model) -> list:
    """The layer dicts that ``Sequential.from_spec`` turns back into ``model``'s
    architecture; the first Dense layer names the declared input width."""
    specs = [layer.config() for layer in model.layers]
    first = next((spec for spec in specs if spec["type"] == "dense"), None)
    if first is not None and first["input_dim"] is None:
        first["input_dim"] = model._declared_input_dim()
    return specs


def model_config(model) -> dict:
    """``model`` without its weights, as JSON data (see ``Sequential.get_config``)."""
    compiled = None
    if model.loss is not None:
        compiled = {"loss": model.loss.name, "optimizer": model.optimizer.config(),
                    "metrics": [metrics.describe(name, fn) for name, fn in model.metrics]}
    history = None
    if model.history is not None:
        history = {"history": model.history.history, "epoch": model.history.epoch}
    seed = model.random_state if isinstance(model.random_state, int) else None
    return {"dtype": str(model.dtype), "random_state": seed, "layers": layer_specs(model),
            "compile": compiled, "history": history}


def model_from_config(cls, config):
    """The ``cls`` model that ``config`` describes, not built: nothing is allocated."""
    layers = layers_from_dicts(config["layers"], "relu", None, dtype=config["dtype"])
    return cls(layers, dtype=config["dtype"], random_state=config["random_state"],
               _build=False)


def weight_shapes(model) -> list:
    """The shape of every parameter array ``model``'s layers will hold, from the
    declared widths, without building: [(fan_in, units), (units,), ...] per Dense."""
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    width = model._declared_input_dim() or dense[0].declared_input_dim
    if width is None:
        raise SpecError("the first Dense layer declares no input_dim; a saved model "
                        "always has one")
    shapes = []
    for layer in dense:
        shapes += [(width, layer.units)] + ([(layer.units,)] if layer.use_bias else [])
        width = layer.units
    return shapes
