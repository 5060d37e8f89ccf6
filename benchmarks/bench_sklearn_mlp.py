"""mlplab.MLPClassifier against scikit-learn's, as a user switching the import sees them.

Four of scikit-learn's data sets (iris, wine, breast_cancer, digits), each split 75/25
(stratified, ``random_state=seed``) and standardised on its training part; five seeds;
two configurations: the defaults (Adam, 100 ReLU units, ``batch_size=min(200, n)``,
``max_iter=200``) and ``solver="lbfgs"``. Both libraries get the same arguments and the
same ``random_state``, hence the same initial weights and batch orders. Printed per data
set and configuration: mean test accuracy of each library and their difference, and
the fit time of each summed over the seeds (each fit's time the median of ``repeats``,
the two libraries' repeats interleaved; one warm-up fit first compiles mlplab's
kernels), and the ratio. Every library runs on one BLAS thread.

    python -m benchmarks.bench_sklearn_mlp [--seeds 5] [--repeats 3]
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as ScikitLearnMLP
from sklearn.preprocessing import StandardScaler

from mlplab.neural_network import MLPClassifier as MlplabMLP

DATA_SETS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer,
             "digits": load_digits}
CONFIGS = {"default": {}, "lbfgs": {"solver": "lbfgs"}}


def split(name, seed):
    X, y = DATA_SETS[name](return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def fit_and_score(kind, settings, parts, seed):
    """(test accuracy, fit seconds) of one fit."""
    X_train, X_test, y_train, y_test = parts
    estimator = kind(random_state=seed, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter, for both
        start = time.perf_counter()
        estimator.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    return estimator.score(X_test, y_test), seconds


def timed_pair(settings, parts, seed, repeats):
    """{kind: (accuracy, median seconds)} of the same fit by both libraries, their
    repeats interleaved so that a busy machine slows both alike."""
    runs = {ScikitLearnMLP: [], MlplabMLP: []}
    for _ in range(repeats):
        for kind in runs:
            runs[kind].append(fit_and_score(kind, settings, parts, seed))
    return {kind: (r[0][0], statistics.median(s for _, s in r)) for kind, r in runs.items()}


def compare(seeds, repeats):
    """Rows (data set, config, accuracy sklearn, accuracy mlplab, seconds sklearn,
    seconds mlplab): mean accuracy over the seeds, fit seconds summed over them."""
    for settings in CONFIGS.values():  # warm-up: numba compiles mlplab's kernels once
        fit_and_score(MlplabMLP, settings, split("iris", 0), 0)
    rows = []
    for name in DATA_SETS:
        for config, settings in CONFIGS.items():
            pairs = [timed_pair(settings, split(name, seed), seed, repeats)
                     for seed in range(seeds)]
            accuracy = {kind: float(np.mean([p[kind][0] for p in pairs]))
                        for kind in (ScikitLearnMLP, MlplabMLP)}
            seconds = {kind: float(np.sum([p[kind][1] for p in pairs]))
                       for kind in (ScikitLearnMLP, MlplabMLP)}
            rows.append((name, config, accuracy[ScikitLearnMLP], accuracy[MlplabMLP],
                         seconds[ScikitLearnMLP], seconds[MlplabMLP]))
    return rows


def report(rows):
    lines = [f"{'data set':<14}{'config':<9}{'acc sklearn':>12}{'acc mlplab':>12}{'diff':>8}"
             f"{'s sklearn':>11}{'s mlplab':>10}{'speed-up':>10}"]
    for name, config, acc_sk, acc_ml, s_sk, s_ml in rows:
        lines.append(f"{name:<14}{config:<9}{acc_sk:>12.4f}{acc_ml:>12.4f}"
                     f"{acc_ml - acc_sk:>+8.4f}{s_sk:>11.3f}{s_ml:>10.3f}{s_sk / s_ml:>9.2f}x")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="timings per fit (median)")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        print(report(compare(args.seeds, args.repeats)))


if __name__ == "__main__":
    main()
