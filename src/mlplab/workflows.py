"""Small end-to-end recipes that the CLI (and users) call in one line."""

from dataclasses import dataclass

from mlplab.data import dataset_parameters, make_dataset, split
from mlplab.engine.model import Sequential
from mlplab.errors import InvalidInputError

DEFAULT_NOISE = 0.2  # enough overlap that test accuracy means something


@dataclass(frozen=True)
class TrainingResult:
    """What :func:`train_on_dataset` produced."""

    dataset: str
    layers_text: str
    model: Sequential
    history: object
    train_accuracy: float
    test_accuracy: float


def train_on_dataset(dataset, layers, *, n_samples=1000, noise="default", activation="relu",
                     output_activation=None, loss=None, optimizer="adam", batch_size=32,
                     epochs=300, test_size=0.2, random_state=0, dtype="float64", verbose=0):
    """Generate a data set, split it, train a network of widths ``layers`` and score it.

    ``noise="default"`` uses 0.2 for data sets that have a noise setting;
    ``random_state`` (an int) seeds the data, the split and the network, so the
    same call gives the same numbers.
    """
    options = {"n_samples": n_samples, "random_state": random_state}
    has_noise = "noise" in dataset_parameters(dataset)
    if noise in (None, "default"):
        noise = DEFAULT_NOISE if has_noise and noise == "default" else None
    elif not has_noise:
        raise InvalidInputError(f"dataset {dataset!r} has no noise setting; drop --noise.")
    if noise is not None:
        options["noise"] = noise
    X, y = make_dataset(dataset, **options)
    if y.ndim != 1 or y.dtype.kind == "f":
        raise InvalidInputError(f"dataset {dataset!r} is a regression set; train reports "
                                "accuracy, so pick a classification set such as moons.")
    n_classes = len(set(y.tolist()))
    if layers and layers[0] != X.shape[1]:
        raise InvalidInputError(f"--layers starts with {layers[0]} inputs but {dataset!r} has "
                                f"{X.shape[1]} features; start the list with {X.shape[1]}.")
    if n_classes > 2 and layers and layers[-1] != n_classes:
        raise InvalidInputError(f"{dataset!r} has {n_classes} classes, so the last layer needs "
                                f"{n_classes} units (one per class, softmax); got {layers[-1]}.")
    parts = split(X, y, test=test_size, random_state=random_state)
    model = Sequential.from_spec(layers, activation=activation,
                                 output_activation=output_activation,
                                 random_state=random_state, dtype=dtype)
    model.compile(loss=loss, optimizer=optimizer, metrics=["accuracy"])
    history = model.fit(parts.X_train, parts.y_train, epochs=epochs, batch_size=batch_size,
                        verbose=verbose)
    return TrainingResult(
        dataset=dataset, layers_text="-".join(str(w) for w in layers), model=model,
        history=history, train_accuracy=model.evaluate(parts.X_train, parts.y_train)["accuracy"],
        test_accuracy=model.evaluate(parts.X_test, parts.y_test)["accuracy"],
    )
