"""Per-sample SGD (batch size 1) on E2's 2-4-3-1 sigmoid net: updates per second.

Runs mlplab's compiled loop and its plain NumPy path on the same data and
seed in one process, checks that they end with the same weights, and prints
the ratio (and PyTorch's per-sample loop, if torch is installed). The first
compiled call's time includes loading (or, the first time ever, compiling)
the kernel; numba caches it on disk.

    python benchmarks/bench_per_sample.py [--updates 50000]
"""

import argparse
import time

import numpy as np

import mlplab
from mlplab import data


def make_model():
    model = mlplab.Sequential.from_spec([2, 4, 3, 1], activation="sigmoid",
                                        kernel_initializer="fan_out_normal", random_state=0)
    return model.compile(loss="binary_crossentropy", optimizer=mlplab.SGD(learning_rate=0.05))


def time_mlplab(X, y, epochs, engine):
    model = make_model()
    start = time.perf_counter()
    model.fit(X[:1], y[:1], epochs=1, batch_size=1, engine=engine)  # load the kernel
    first_call = time.perf_counter() - start
    model = make_model()
    start = time.perf_counter()
    model.fit(X, y, epochs=epochs, batch_size=1, engine=engine, random_state=0)
    seconds = time.perf_counter() - start
    return len(X) * epochs / seconds, first_call, model.get_weights()


def time_torch(X, y, updates):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 3),
                              torch.nn.Sigmoid(), torch.nn.Linear(3, 1)).double()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    X_t, y_t = torch.tensor(X), torch.tensor(y, dtype=torch.float64).reshape(-1, 1)
    start = time.perf_counter()
    for step in range(updates):
        index = step % len(X)
        optimizer.zero_grad()
        loss_fn(net(X_t[index:index + 1]), y_t[index:index + 1]).backward()
        optimizer.step()
    return updates / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=50_000)
    args = parser.parse_args()
    X, y = data.xor(n_samples=500, random_state=0)
    epochs = max(1, args.updates // len(X))
    fast, first_call, fast_weights = time_mlplab(X, y, epochs, "compiled")
    slow, _, slow_weights = time_mlplab(X, y, epochs, "numpy")
    difference = max(float(np.max(np.abs(a - b)))
                     for a, b in zip(fast_weights, slow_weights, strict=True))
    print(f"E2 net 2-4-3-1, per-sample SGD, {len(X) * epochs} updates")
    print(f"mlplab compiled   {fast:12.0f} updates/s  (first call {first_call:.2f} s)")
    print(f"mlplab NumPy path {slow:12.0f} updates/s  compiled/NumPy = {fast / slow:.0f}x; "
          f"largest weight difference {difference:.1e}")
    try:
        torch_rate = time_torch(X, y, min(args.updates, 20_000))
        print(f"PyTorch loop      {torch_rate:12.0f} updates/s  compiled/PyTorch = "
              f"{fast / torch_rate:.0f}x")
    except ImportError:
        print("(PyTorch not installed: pip install torch==2.13.0 to compare)")


if __name__ == "__main__":
    main()
