"""Time a training animation: 100 frames of a 2-4-3-1 net on a 200 x 200 grid.

Prints grid evaluations per second (one forward pass over all 40 000 points,
hidden activations included) against scikit-learn's MLPClassifier.predict_proba
on the same grid and architecture in the same process, then frames per second
of the whole animation rendered to GIF.

    python benchmarks/bench_animation.py [--frames 100] [--resolution 200]
"""

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import mlplab  # noqa: E402
from mlplab import data, viz  # noqa: E402
from mlplab.viz._grid import plane_grid  # noqa: E402
from mlplab.viz.neurons import layer_outputs  # noqa: E402


def per_second(function, repeats):
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return repeats / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--resolution", type=int, default=200)
    args = parser.parse_args()
    X, y = data.xor(n_samples=400, random_state=0)
    model = mlplab.Sequential.from_spec([2, 4, 3, 1], activation="sigmoid", random_state=0)
    model.compile(optimizer=mlplab.SGD(learning_rate=0.5))
    recorder = mlplab.WeightSnapshots(every=1)
    model.fit(X, y, epochs=args.frames - 1, batch_size=32, callbacks=[recorder])

    _, _, grid = plane_grid(X, args.resolution)
    ours = per_second(lambda: layer_outputs(model, grid), 30)
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = MLPClassifier((4, 3), activation="logistic", max_iter=5).fit(X, y)
    theirs = per_second(lambda: reference.predict_proba(grid), 30)
    print(f"grid {args.resolution}x{args.resolution}: mlplab {ours:.0f} evaluations/s "
          f"(every layer), scikit-learn predict_proba {theirs:.0f}/s, ratio {ours / theirs:.2f}")

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result = viz.animate_training(model, X, y, snapshots=recorder.snapshots,
                                      resolution=args.resolution,
                                      out=Path(folder) / "bench.gif")
        seconds = time.perf_counter() - start
    print(f"animation: {result.n_frames} frames in {seconds:.1f} s = "
          f"{result.n_frames / seconds:.1f} frames/s (rendered and written as GIF)")


if __name__ == "__main__":
    main()
