"""Time E4's full-batch training: a 2-25-50-50-25-1 ReLU net on 160 moons points.

Prints epochs per second for mlplab and, run in the same process with the same
architecture, data, learning rate and full batch, for scikit-learn's
MLPClassifier (and PyTorch, if installed), with the ratios. References differ
in initialisation, so compare speed here, not accuracy.

Every library runs on ``--threads`` threads (default 1): at these sizes threads
only add synchronisation, and on a busy 2-core machine PyTorch on two threads
ran 10-20x slower than on one.

    python benchmarks/bench_e4.py --epochs 2000
"""

import argparse
import time

import numpy as np

import mlplab
from mlplab import data

E4_SPEC = [
    {"input_dim": 2, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"},
]


def e4_data():
    X, y = data.moons(n_samples=200, noise=0.2, random_state=42)
    return data.split(X, y, test=0.2, random_state=42, stratify=False)


def time_mlplab(parts, epochs):
    model = mlplab.Sequential.from_spec(E4_SPEC, kernel_initializer={"name": "normal",
                                                                     "stddev": 0.1},
                                        random_state=99)
    model.compile(loss="binary_crossentropy", optimizer=mlplab.SGD(learning_rate=0.1),
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(parts.X_train, parts.y_train, epochs=epochs, batch_size=None, shuffle=False)
    seconds = time.perf_counter() - start
    return (epochs / seconds, model.evaluate(parts.X_train, parts.y_train)["accuracy"],
            model.evaluate(parts.X_test, parts.y_test)["accuracy"])


def time_sklearn(parts, epochs):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    net = MLPClassifier(hidden_layer_sizes=(25, 50, 50, 25), activation="relu", solver="sgd",
                        learning_rate_init=0.1, momentum=0.0, batch_size=len(parts.X_train),
                        alpha=0.0, max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
                        shuffle=False, random_state=99)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.fit(parts.X_train, parts.y_train)
    seconds = time.perf_counter() - start
    return (epochs / seconds, net.score(parts.X_train, parts.y_train),
            net.score(parts.X_test, parts.y_test))


def time_torch(parts, epochs, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(99)
    widths = [2, 25, 50, 50, 25, 1]
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
        layers += [torch.nn.Linear(fan_in, fan_out, dtype=torch.float64), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    X = torch.tensor(parts.X_train)
    y = torch.tensor(parts.y_train, dtype=torch.float64).reshape(-1, 1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss_fn(net(X), y).backward()
        optimizer.step()
    seconds = time.perf_counter() - start

    def accuracy(X, y):
        with torch.no_grad():
            predicted = (net(torch.tensor(X)) > 0).numpy()[:, 0]
        return float(np.mean(predicted == y))

    return (epochs / seconds, accuracy(parts.X_train, parts.y_train),
            accuracy(parts.X_test, parts.y_test))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and PyTorch threads for every library (default 1).")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    parts = e4_data()
    timers = {"scikit-learn MLPClassifier": time_sklearn,
              "PyTorch": lambda parts, epochs: time_torch(parts, epochs, args.threads)}
    with threadpool_limits(limits=args.threads):
        results = {"mlplab": time_mlplab(parts, args.epochs)}
        for name, timer in timers.items():
            try:
                results[name] = timer(parts, args.epochs)
            except ImportError:
                print(f"({name} not installed: skipped)")
    print(f"E4 net 2-25-50-50-25-1, full batch of {len(parts.X_train)}, {args.epochs} epochs, "
          f"{args.threads} thread(s)")
    ours = results["mlplab"][0]
    print(f"{'':<28}{'epochs/s':>10}{'train acc':>11}{'test acc':>10}"
          f"{'mlplab epochs/s / theirs':>26}")
    for name, (rate, train_accuracy, test_accuracy) in results.items():
        ratio = "" if name == "mlplab" else f"{ours / rate:25.2f}x"
        print(f"{name:<28}{rate:10.0f}{train_accuracy:11.3f}{test_accuracy:10.3f}{ratio}")


if __name__ == "__main__":
    main()
