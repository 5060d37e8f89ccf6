"""What a playground page can take home: the model file, a Python script, a GIF, the
points as CSV."""

import io
import os
import tempfile

import numpy as np

from mlplab.engine.model import Sequential
from mlplab.web.build import (
    build_model,
    dense_layers,
    generator_arguments,
    optimizer_spec,
    plane_grid,
)
from mlplab.web.config import PlaygroundConfig
from mlplab.web.session import Session, net_outputs


def model_bytes(session: Session) -> bytes:
    """The trained network in mlplab's save format (``mlplab.load`` reads it)."""
    with session.lock:
        handle, path = tempfile.mkstemp(suffix=".npz")
        os.close(handle)
        try:
            session.model.save(path)
            with open(path, "rb") as file:
                return file.read()
        finally:
            os.unlink(path)


def script(session: Session) -> str:
    """A Python script that rebuilds the data and network and trains it the same way.

    With the same mlplab on the same machine it ends with the page's weights,
    unless weights were edited by hand or the learning rate or batch size changed
    mid-run; the script then says so.
    """
    with session.lock:
        config, epochs = session.config, session.epoch
        notes = []
        if session.edited:
            notes.append("# Note: weights were edited by hand on the page; this script trains "
                         "without those edits.")
        if session.changed_midway:
            notes.append("# Note: the learning rate or batch size changed during training; this "
                         "script uses the last ones throughout.")
        if session.diverged:
            notes.append(f"# Note: on the page the loss diverged after epoch {epochs}; with "
                         "these settings it diverges here too (lower the learning rate).")
        model = build_model(config, len(config.features), session.n_classes)
        assert model.loss is not None  # build_model compiled it
        metric = "accuracy" if config.problem != "regression" else "r2"
        lines = [
            '"""Rebuilds and trains the network of an mlplab playground page."""',
            "",
            "import numpy as np",
            "",
            "import mlplab",
            "from mlplab import data",
            "from mlplab.engine.layers import Dense, Dropout",
            "from mlplab.engine.regularizers import L1L2",
            "",
            *notes,
            *_data_lines(config),
            f"features = data.PlaygroundFeatures({config.features!r}).fit(X)",
            "",
            "model = mlplab.Sequential([\n" + "\n".join(_layer_lines(config, model))
            + f"\n], random_state={config.seed})",
            f"model.compile(loss={model.loss.name!r}, optimizer={optimizer_spec(config)!r}, "
            f"metrics=[{metric!r}])",
            f"model.build({len(config.features)})",
            *([] if epochs else ["# The page had not trained yet: choose a number of epochs."]),
            f"history = model.fit(features.transform(X_train), y_train, epochs={epochs or 100}, "
            f"batch_size=min({config.batch_size}, len(X_train)))",
            'print("train", model.evaluate(features.transform(X_train), y_train))',
        ]
        if config.test_ratio:
            lines.append('print("test", model.evaluate(features.transform(X_test), y_test))')
        lines.append('model.save("playground_model.npz")')
        return "\n".join(lines) + "\n"


def _data_lines(config: PlaygroundConfig) -> list[str]:
    """Script lines that make X, y and the train/test split of the page."""
    if config.dataset == "upload":
        lines = ["# The data was an uploaded CSV: put its path here.",
                 'X, y = data.load_csv("your_data.csv", header="infer")']
    elif config.dataset == "custom":
        points = [[round(a, 6), round(b, 6), label] for a, b, label in config.points]
        lines = [f"points = np.array({points!r})", "X, y = points[:, :2], points[:, 2]"]
    else:
        arguments = ", ".join(f"{key}={value!r}"
                              for key, value in generator_arguments(config).items())
        lines = [f"X, y = data.make_dataset({config.dataset!r}, {arguments})"]
    classification = config.problem != "regression"
    lines.append("classes, y = np.unique(y, return_inverse=True)" if classification
                 else "y = y.astype(np.float64)")
    if not config.test_ratio:
        return [*lines, "X_train, y_train = X, y"]
    return [*lines,
            f"parts = data.split(X, y, test={config.test_ratio!r}, random_state={config.seed}"
            f", stratify={classification})",
            "X_train, y_train, X_test, y_test = "
            "parts.X_train, parts.y_train, parts.X_test, parts.y_test"]


def _layer_lines(config: PlaygroundConfig, model: Sequential) -> list[str]:
    """The Sequential's layer list, one line each."""
    regularizer = (f", kernel_regularizer=L1L2(l1={config.l1!r}, l2={config.l2!r})"
                   if config.l1 or config.l2 else "")
    lines = []
    for spec in config.layers:
        lines.append(f"    Dense({spec.units}, activation={spec.activation!r}{regularizer}),")
        if config.dropout:
            lines.append(f"    Dropout({config.dropout!r}),")
    output = dense_layers(model)[-1]
    lines.append(f"    Dense({output.units}, activation={output.activation.name!r}),")
    return lines


def points_csv(session: Session) -> str:
    """The session's points as CSV rows ``x1,x2,label`` under a header, training points
    first: the labels as the user gave them (a class's name, a regression's target), so
    that uploading the file gives the same data."""
    with session.lock:
        X = np.concatenate([session.X_train, session.X_test])
        y = np.concatenate([session.y_train, session.y_test])
        names = session.class_names
    labels = [names[int(i)] for i in y] if names else [f"{v:.10g}" for v in y]
    rows = [f"{a:.10g},{b:.10g},{label}" for (a, b), label in zip(X, labels, strict=True)]
    return "\n".join(["x1,x2,label", *rows]) + "\n"


def gif_bytes(session: Session, size: int = 240, duration_ms: int = 120) -> bytes:
    """The training so far as an animated GIF: the output over the plane with the points,
    coloured as the page colours them (:func:`mlplab.viz.style.output_colors`)."""
    from PIL import Image, ImageDraw

    from mlplab.viz import style

    with session.lock:
        snapshots = list(session.snapshots)
        config = session.config
        model = build_model(config, len(config.features), session.n_classes)
        points = session.features.transform(plane_grid(session.bounds, size))
        X, y = session.X_train, session.y_train
        bounds, y_range, n_classes = session.bounds, session.y_range, session.n_classes
    x_min, x_max, y_min, y_max = bounds
    pixels = np.column_stack([(X[:, 0] - x_min) / (x_max - x_min) * (size - 1),
                              (y_max - X[:, 1]) / (y_max - y_min) * (size - 1)])
    label_kind = "value" if config.problem == "regression" else "classes"
    point_colors = np.rint(style.label_colors(y, label_kind, y_range)).astype(np.uint8)
    # As on the page: a regression's points fade into white mid-range, a grey ring shows them.
    ring = (128, 134, 139) if label_kind == "value" else (255, 255, 255)
    frames = []
    for epoch, weights in snapshots:
        model.set_weights(weights)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            kind, outputs = net_outputs(model, points, config.problem, n_classes)
        rgb = np.rint(style.output_colors(outputs, kind, y_range)).astype(np.uint8)
        image = Image.fromarray(rgb.reshape(size, size, 3))
        draw = ImageDraw.Draw(image)
        for (px, py), color in zip(pixels, point_colors, strict=True):
            draw.ellipse([px - 2.5, py - 2.5, px + 2.5, py + 2.5], fill=tuple(color.tolist()),
                         outline=ring)
        draw.rectangle([0, 0, 88, 14], fill=(255, 255, 255))
        draw.text((3, 2), f"epoch {epoch}", fill=(0, 0, 0))
        frames.append(image.convert("P", palette=Image.Palette.ADAPTIVE, colors=255))
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:],
                   duration=duration_ms, loop=0)
    return buffer.getvalue()
