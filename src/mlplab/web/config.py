"""What a playground page can ask for, checked before anything is built.

A :class:`PlaygroundConfig` is the whole setup of one page: data, features,
network, training and display. The page keeps it in its URL and sends it to
the server as JSON; pydantic checks every field here, and FastAPI turns a
failed check into HTTP 422 with the messages below.
"""

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlplab._validation import did_you_mean
from mlplab.data.features import FEATURES
from mlplab.data.registry import CURVE_DATASETS, dataset_names, dataset_parameters
from mlplab.engine.activations import ACTIVATIONS
from mlplab.viz import style
from mlplab.web.lessons import lesson_list

# Limits: generous for teaching (TensorFlow Playground stops at 6 layers x 8 neurons),
# small enough that one page cannot take the machine.
MAX_LAYERS = 10
MAX_UNITS = 64
MAX_SAMPLES = 5000  # generated points
MAX_POINTS = 1000  # points clicked onto the plane
MAX_UPLOAD_BYTES = 2_000_000
MAX_UPLOAD_ROWS = 5000
MAX_CLASSES = 8
MAX_COORDINATE = 1e6  # |x1|, |x2| and regression targets: the picture's bounds stay finite
MAX_EPOCHS_PER_REQUEST = 10_000
MAX_WORK_SECONDS = 10.0  # one request (or one frame) trains at most this long

HIDDEN_ACTIVATIONS = [name for name in ACTIVATIONS if name != "softmax"]
PLANE_DATASETS = [name for name in dataset_names() if name not in CURVE_DATASETS and (
    "n_features" not in dataset_parameters(name)
    or name in ("blobs", "classification", "gaussian_quantiles"))]
DATASETS = PLANE_DATASETS + ["custom", "upload"]
REGRESSION_DATASETS = [name for name in PLANE_DATASETS if name.startswith("regression")]
# Data sets whose generator takes the page's "noise" slider, and those with a class count.
NOISY = [name for name in PLANE_DATASETS if "noise" in dataset_parameters(name)] + ["blobs"]
WITH_CLASSES = ["blobs", "classification", "gaussian_quantiles", "spirals"]
OPTIMIZERS = ["sgd", "momentum", "adam", "rmsprop"]
BASELINES = ["none", "logistic_regression", "svc_rbf"]


def _choice(value: object, choices: Sequence[str], what: str) -> str:
    """``value`` if it is one of ``choices`` (any case), else a did-you-mean error."""
    key = str(value).strip().lower()
    if key not in choices:
        raise ValueError(f"unknown {what} {value!r}.{did_you_mean(key, choices)} "
                         f"Choose one of: {', '.join(choices)}.")
    return key


Coordinate = Annotated[float, Field(ge=-MAX_COORDINATE, le=MAX_COORDINATE)]


class LayerConfig(BaseModel):
    """One hidden layer: how many neurons and their activation."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    units: int = Field(default=4, ge=1, le=MAX_UNITS, description="neurons in the layer")
    activation: str = "tanh"

    @field_validator("activation")
    @classmethod
    def _known_activation(cls, value: object) -> str:
        return _choice(value, HIDDEN_ACTIVATIONS, "activation")


class PlaygroundConfig(BaseModel):
    """The whole setup of one playground page (every field has a default)."""

    # No NaN or infinity anywhere (JSON has neither, and Python's json reads both).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    # -- data
    dataset: str = "xor"
    n_samples: int = Field(default=400, ge=10, le=MAX_SAMPLES)
    noise: float = Field(default=0.1, ge=0.0, le=2.0)
    n_classes: int = Field(default=3, ge=2, le=MAX_CLASSES)
    test_ratio: float = Field(default=0.5, ge=0.0, le=0.9)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    # Points clicked onto the plane: (x1, x2, label), used when dataset == "custom".
    points: list[tuple[Coordinate, Coordinate, Coordinate]] = Field(default_factory=list,
                                                                    max_length=MAX_POINTS)
    # -- network
    features: list[str] = Field(default_factory=lambda: ["x1", "x2"], min_length=1)
    layers: list[LayerConfig] = Field(
        default_factory=lambda: [LayerConfig(units=4), LayerConfig(units=2)],
        max_length=MAX_LAYERS)
    problem: Literal["binary", "multiclass", "regression"] = "binary"
    loss: Literal["cross_entropy", "mse"] = "cross_entropy"
    dropout: float = Field(default=0.0, ge=0.0, le=0.9)
    # -- training
    optimizer: str = "sgd"
    learning_rate: float = Field(default=0.03, gt=0.0, le=10.0)
    l1: float = Field(default=0.0, ge=0.0, le=1.0)
    l2: float = Field(default=0.0, ge=0.0, le=1.0)
    batch_size: int = Field(default=10, ge=1, le=MAX_SAMPLES)
    epochs_per_frame: int = Field(default=1, ge=1, le=100)
    stop_epochs: int | None = Field(default=None, ge=1, le=1_000_000)
    stop_loss: float | None = Field(default=None, gt=0.0)
    # -- display
    baseline: Literal["none", "logistic_regression", "svc_rbf"] = "none"
    resolution: int = Field(default=100, ge=20, le=200)

    @field_validator("dataset")
    @classmethod
    def _known_dataset(cls, value: object) -> str:
        return _choice(value, DATASETS, "dataset")

    @field_validator("optimizer")
    @classmethod
    def _known_optimizer(cls, value: object) -> str:
        return _choice(value, OPTIMIZERS, "optimizer")

    @field_validator("features")
    @classmethod
    def _known_features(cls, value: list[str]) -> list[str]:
        names = list(FEATURES)
        chosen = [_choice(name, names, "feature").replace(" ", "") for name in value]
        if len(set(chosen)) != len(chosen):
            raise ValueError("each feature may be chosen once.")
        return [name for name in names if name in chosen]  # the page's order

    @model_validator(mode="after")
    def _consistent(self) -> "PlaygroundConfig":
        regression_data = self.dataset in REGRESSION_DATASETS
        if self.problem == "regression":
            if self.loss != "mse":
                raise ValueError("a regression problem trains with loss 'mse'; "
                                 "cross-entropy needs classes.")
        elif regression_data:
            raise ValueError(f"dataset {self.dataset!r} has real-valued targets; "
                             "choose problem 'regression'.")
        if self.dataset == "custom" and len(self.points) < 2:
            raise ValueError("dataset 'custom' needs at least 2 points clicked onto the plane.")
        return self

    # Settings whose change keeps the trained weights (the rest start over).
    LIVE: ClassVar[tuple[str, ...]] = ("learning_rate", "batch_size", "epochs_per_frame",
                                       "stop_epochs", "stop_loss", "baseline", "resolution")

    def rebuild_needed(self, other: "PlaygroundConfig") -> bool:
        """True if going from ``other`` to this setup needs new data or a new network."""
        mine = self.model_dump(exclude=set(self.LIVE))
        return mine != other.model_dump(exclude=set(self.LIVE))


def readable(errors: Sequence[Mapping[str, Any]], shown: int = 5) -> str:
    """pydantic's error list as one sentence per problem: ``field: what is wrong (got X)``
    (the first ``shown`` problems, and how many more there are)."""
    lines = []
    for error in errors[:shown]:
        where = ".".join(str(part) for part in error.get("loc", ())
                         if part not in ("body", "query"))
        message = error.get("msg", "invalid value").removeprefix("Value error, ")
        if error.get("type") == "json_invalid":  # loc holds the character position
            where, message = "body", (f"not valid JSON ({error.get('ctx', {}).get('error')} "
                                      f"at character {where or 0}); send a JSON object")
        got = error.get("input")
        text = f"{where}: {message}" if where else message
        if got is not None and not isinstance(got, dict | list) and error["type"] != "value_error":
            shown_got = repr(got)
            text += f" (got {shown_got[:60] + '...' if len(shown_got) > 60 else shown_got})"
        lines.append(text)
    if len(errors) > shown:
        lines.append(f"and {len(errors) - shown} more problems")
    return "; ".join(lines)


def options() -> dict[str, Any]:
    """What the page offers: names and limits, so the page and the server agree, and
    the colours it draws with (:func:`mlplab.viz.style.palette`: the page has none of
    its own)."""
    return {
        "datasets": DATASETS, "regression_datasets": REGRESSION_DATASETS, "noisy": NOISY,
        "with_classes": WITH_CLASSES, "features": list(FEATURES),
        "activations": HIDDEN_ACTIVATIONS, "optimizers": OPTIMIZERS, "baselines": BASELINES,
        "limits": {"layers": MAX_LAYERS, "units": MAX_UNITS, "samples": MAX_SAMPLES,
                   "points": MAX_POINTS, "upload_bytes": MAX_UPLOAD_BYTES,
                   "upload_rows": MAX_UPLOAD_ROWS, "classes": MAX_CLASSES,
                   "coordinate": MAX_COORDINATE, "epochs_per_request": MAX_EPOCHS_PER_REQUEST,
                   "work_seconds": MAX_WORK_SECONDS},
        "defaults": PlaygroundConfig().model_dump(),
        "palette": style.palette(),
        # The page's colour-blind-safe choice (its "Colours" menu), from the same registry.
        "palettes": {"colorblind": style.palette("okabe_ito")},
        "lessons": lesson_list(),  # web/lessons.py: one per reference experiment E1-E5
    }
