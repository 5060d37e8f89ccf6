"""Regenerate every figure of the reference experiments E1-E5 into one folder.

Run twice, it writes the same bytes (tests/test_gallery.py checks it): every seed is
fixed, BLAS runs on one thread and the files carry no version string.

    python examples/gallery.py --out docs/gallery          # the real settings (~1 minute)
    python examples/gallery.py --out /tmp/gallery --quick  # fewer epochs, for a smoke test

Each experiment is built with mlplab's public API only, at the source's settings
(see shared/reference/experiments.md); nothing here is tuned to match a figure.
"""

import argparse
import os
from pathlib import Path

# The same bytes on every machine: BLAS on one thread (a sum split over threads rounds
# differently), set before NumPy loads its BLAS.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# No version string in the files (it changes with matplotlib, the pictures do not), and
# one font and hinting, whatever the machine's defaults.
PNG_METADATA = {"Software": None}
plt.rcParams.update({"font.family": "DejaVu Sans", "text.hinting": "default"})

import mlplab  # noqa: E402
from mlplab import data, viz  # noqa: E402
from mlplab.engine.callbacks import WeightSnapshots  # noqa: E402
from mlplab.engine.health import TrainingHealth  # noqa: E402

E4_SPEC = [
    {"input_dim": 2, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"},
]


def save(figure, folder, name):
    path = folder / name
    figure.savefig(path, dpi=110, metadata=PNG_METADATA)
    plt.close(figure)
    print("wrote", path)


def e1(folder, scale):
    X, y = data.moons(n_samples=1000, noise=0.05, random_state=42)
    for activation in ("linear", "tanh"):
        model = mlplab.Sequential.from_spec([2, 2, 2, 2, 1], activation=activation,
                                            random_state=0)
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        model.fit(X, y, epochs=max(1, 500 // scale), batch_size=100)
        accuracy = model.evaluate(X, y)["accuracy"]
        if activation == "linear":
            save(viz.plot_linear_collapse(model, X, y), folder, "e1_linear_collapse.png")
        ax = viz.plot_decision_boundary(model, X, y,
                                        title=f"2-2-2-2-1, {activation}: accuracy {accuracy:.3f}")
        save(ax.figure, folder, f"e1_boundary_{activation}.png")
        # Beside the collapse: how each 2-unit layer moves the moons (all drawn directly).
        save(viz.plot_hidden_space(model, X, y, layer="all", panel_size=3.2), folder,
             f"e1_hidden_space_{activation}.png")

    def tanh_stack():
        return mlplab.Sequential.from_spec([2, 2, 2, 2, 1], activation="tanh", random_state=0)

    figure = viz.compare_optimizers(
        tanh_stack, X, y, ["sgd", {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
                           "rmsprop", "adam"], epochs=max(2, 200 // scale), batch_size=100,
        every=max(1, 4 // scale))
    save(figure, folder, "e1_optimizers.png")


def e2(folder, scale):
    X, y = data.xor(n_samples=400, random_state=0)
    model = mlplab.Sequential.from_spec(
        [2, 4, 3, 1], activation="sigmoid", kernel_initializer="fan_out_normal", random_state=0)
    model.compile(loss="binary_crossentropy", optimizer=mlplab.SGD(learning_rate=0.05))
    epochs = max(2, 400 // scale)
    training = viz.animate_training(model, X, y, epochs=epochs, batch_size=1,
                                    every=max(1, epochs // 30), frames=31, fps=6, resolution=80,
                                    panel_size=1.4, out=folder / "e2_xor_training.gif",
                                    random_state=0)
    print("wrote", folder / "e2_xor_training.gif")
    plt.close(training.figure)
    warp = viz.animate_hidden_space(model, X, y, layer="all", snapshots=training.snapshots,
                                    fps=6, panel_size=3.0, out=folder / "e2_xor_warp.gif")
    print("wrote", warp.path)
    plt.close(warp.figure)
    save(viz.plot_hidden_space(model, X, y, layer="all", panel_size=3.2), folder,
         "e2_xor_hidden_space.png")
    save(viz.plot_neurons(model, X, y), folder, "e2_xor_neurons.png")
    save(viz.plot_network(model, X=X, thumbnails=True).figure, folder, "e2_xor_network.png")


def e3(folder, scale):
    X, y = data.gaussian_quantiles(n_samples=2000, n_features=2, n_classes=2, cov=0.1,
                                   random_state=3)
    parts = data.split(X, y, test=0.3, validation=0.2, random_state=3)
    figure, axes = plt.subplots(1, 4, figsize=(19, 4.2), layout="constrained")
    landscapes, panels = plt.subplots(2, 3, figsize=(16, 9), layout="constrained")
    for ax, hidden, epochs in zip(axes, ([], [3], [10], [10, 10]), (20, 500, 500, 500),
                                  strict=True):
        model = mlplab.Sequential.from_spec([2, *hidden, 1], activation="tanh", random_state=0)
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        path = WeightSnapshots(every=max(1, epochs // 50 // scale))
        model.fit(parts.X_train, parts.y_train, epochs=max(1, epochs // scale), batch_size=32,
                  validation_data=(parts.X_val, parts.y_val), callbacks=[path])
        accuracy = model.evaluate(parts.X_test, parts.y_test)["accuracy"]
        name = "-".join(str(w) for w in [2, *hidden, 1])
        viz.plot_probability(model, parts.X_test, parts.y_test, ax=ax,
                             title=f"{name}: test accuracy {accuracy:.3f}")
        if hidden in ([], [10], [10, 10]):  # 0, 1 and 2 hidden layers
            column = [[], [10], [10, 10]].index(hidden)
            viz.plot_loss_landscape(model, parts.X_train, parts.y_train, ax=panels[0, column],
                                    title=f"{name}: around the trained weights")
            viz.plot_loss_landscape(model, parts.X_train, parts.y_train, ax=panels[1, column],
                                    snapshots=path.snapshots,
                                    title=f"{name}: the path Adam took")
        if hidden == [10, 10]:
            walk = viz.animate_loss_landscape(model, parts.X_train, parts.y_train,
                                              snapshots=path.snapshots, frames=30, fps=6,
                                              out=folder / "e3_path.gif")
            print("wrote", walk.path)
            plt.close(walk.figure)
    save(figure, folder, "e3_probability.png")
    landscapes.suptitle("E3's training loss: two random filter-normalised directions (top), "
                        "the plane of the training path (bottom)")
    save(landscapes, folder, "e3_landscapes.png")


def e4(folder, scale):
    net = mlplab.NetClassifier(layers=E4_SPEC, kernel_initializer={"name": "normal",
                                                                   "stddev": 0.1},
                               optimizer="sgd", momentum=0.0, learning_rate=0.1,
                               batch_size=None, epochs=max(1, 10_000 // scale), alpha=0.0,
                               n_iter_no_change=None, random_state=99)
    models = {"SVC poly": mlplab.make_model("svc_poly"), "SVC rbf": mlplab.make_model("svc_rbf"),
              "net (E4)": net}
    datasets = {"circles": data.circles(n_samples=200, noise=0.2, factor=0.5, random_state=42),
                "moons": data.moons(n_samples=200, noise=0.2, random_state=42)}
    # E4 split 80/20 with random_state=42 and no stratification.
    figure = viz.plot_comparison(models, datasets, random_state=42, stratify=False)
    save(figure, folder, "e4_comparison.png")


def e5(folder, scale):
    X, Y = data.xor(n_samples=10_000, kind="normal", one_hot=True, random_state=0)
    X_test, Y_test = data.xor(n_samples=5_000, kind="normal", one_hot=True, random_state=1)
    model = mlplab.Sequential.from_spec([2, 4, 4, 2], activation="relu", random_state=0)
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"],
                  optimizer=mlplab.SGD(learning_rate=0.01, momentum=0.99))
    history = model.fit(X, Y, epochs=max(1, 200 // scale), batch_size=100,
                        validation_data=(X_test, Y_test))
    save(viz.plot_history(history), folder, "e5_history.png")
    accuracy = model.evaluate(X_test, Y_test)["accuracy"]
    ax = viz.plot_decision_boundary(model, X[:600], Y[:600], X_test=X_test[:600],
                                    y_test=Y_test[:600],
                                    title=f"2-4-4-2, fresh test points: accuracy {accuracy:.3f}")
    save(ax.figure, folder, "e5_test_predictions.png")
    figure, axes = plt.subplots(1, 4, figsize=(20, 4.6), layout="constrained")
    viz.plot_confusion_matrix(model, X_test, Y_test, ax=axes[0])
    viz.plot_roc(model, X_test, Y_test, ax=axes[1])
    viz.plot_precision_recall(model, X_test, Y_test, ax=axes[2])
    viz.plot_calibration(model, X_test, Y_test, ax=axes[3])
    figure.suptitle("E5's 2-4-4-2 net on the 5000 fresh test points")
    save(figure, folder, "e5_evaluation.png")


def beyond(folder, scale):
    """Beyond E1-E5: universal approximation, and the health of a deep sigmoid stack."""
    for name, activation, units in (("sine", "tanh", 4), ("abs", "relu", 6)):
        x, y = data.make_dataset(name, n_samples=200, noise=0.05, random_state=0)
        net = mlplab.NetRegressor(hidden_layer_sizes=(units,), activation=activation,
                                  learning_rate=0.02, epochs=max(2, 800 // scale),
                                  n_iter_no_change=None, random_state=0).fit(x, y)
        ax = viz.plot_fit_1d(net, x, y)
        save(ax.figure, folder, f"fit1d_{name}.png")
    # E1's moons through ten sigmoid layers: the first layers' gradients vanish at first.
    X, y = data.moons(n_samples=1000, noise=0.05, random_state=42)
    model = mlplab.Sequential.from_spec([2] + [16] * 9 + [1], activation="sigmoid",
                                        random_state=0)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    health = TrainingHealth(X, y, every=max(1, 5 // scale))
    model.fit(X, y, epochs=max(2, 100 // scale), batch_size=100, callbacks=[health])
    save(viz.plot_training_health(health), folder, "deep_sigmoid_health.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/gallery", type=Path)
    parser.add_argument("--quick", action="store_true", help="1/50 of the epochs (smoke test)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    scale = 50 if args.quick else 1
    for experiment in (e1, e2, e3, e4, e5, beyond):
        experiment(args.out, scale)


if __name__ == "__main__":
    main()
