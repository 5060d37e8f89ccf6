"""L: full-batch L-BFGS on E4's net and data, mlplab against scikit-learn's solver="lbfgs".

E4's 2-25-50-50-25-1 ReLU net (sigmoid output, no penalty: E4's alpha = 0) on E4's two
training sets (moons and circles, 200 points, noise 0.2, 80/20 split, random_state=42),
one fit per seed. Both libraries call scipy's L-BFGS-B on the same loss with the same
stopping rules: gtol = tol = 1e-4, scipy's default ftol, at most 10,000 iterations (E4's
epochs) and 15,000 evaluations. mlplab runs :func:`mlplab.engine.lbfgs.minimize` (what
``fit`` with ``optimizer="lbfgs"`` runs) with its defaults (memory 15, scipy's 10; the
loss and gradient on the compiled kernels) from E4's initial weights, N(0, 0.1**2) with
the seed; scikit-learn's MLPClassifier starts from the same weights (set by warm_start)
and, for information, from its own Glorot initialisation with the same seed.

Printed per library: loss-and-gradient evaluations and seconds, summed over the fits
(each fit's time the median of ``repeats``), mean test accuracy, and how many fits
converged. Every library runs on one BLAS thread, as in task H: at these sizes threads
only add synchronisation (see ``--threads``).

    python -m benchmarks.bench_lbfgs [--seeds 20] [--threads 1]
"""

import argparse
import warnings

import numpy as np

import mlplab
from benchmarks.bench_e4 import E4_SPEC
from mlplab import data
from mlplab.engine import lbfgs

TOL, MAX_ITER, ALPHA = 1e-4, 10_000, 0.0  # E4's epochs and penalty; scikit-learn's tol
SAME_START = "scikit-learn lbfgs, same start"
OWN_INIT = "scikit-learn lbfgs, own init"


def e4_sets():
    """E4's two data sets, split as the homework splits them: name -> Split."""
    sets = {"moons": data.moons(n_samples=200, noise=0.2, random_state=42),
            "circles": data.circles(n_samples=200, noise=0.2, factor=0.5, random_state=42)}
    return {name: data.split(X, y, test=0.2, random_state=42, stratify=False)
            for name, (X, y) in sets.items()}




def run_mlplab(parts, seed, repeats, max_iter):
    model = mlplab.Sequential.from_spec(E4_SPEC, random_state=seed, kernel_initializer={
        "name": "normal", "stddev": 0.1})
    model.compile(loss="binary_crossentropy", optimizer="sgd")  # minimize brings its own
    start = model.get_weights()

    def fit():
        model.set_weights(start)
        X, Y, factor = model._prepare(parts.X_train, parts.y_train, None)  # fit's checks
        return lbfgs.minimize(model, X, Y, factor, max_iter,
                              solver=lbfgs.LBFGS(tol=TOL, maxiter=max_iter))

    result = fit()
    from benchmarks.tasks import median_seconds  # tasks imports this module

    seconds = median_seconds(fit, repeats)
    accuracy = float(np.mean(model.predict_classes(parts.X_test) == parts.y_test))
    return start, {"evaluations": result.function_evaluations, "seconds": seconds,
                   "accuracy": accuracy, "converged": result.converged}


def run_sklearn(parts, seed, repeats, max_iter, start=None):
    """scikit-learn's MLPClassifier(solver="lbfgs"); from ``start`` (mlplab's weights,
    [kernel, bias, ...]) if given, else from its own initialisation."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    net = MLPClassifier(hidden_layer_sizes=(25, 50, 50, 25), activation="relu",
                        solver="lbfgs", alpha=ALPHA, tol=TOL, max_iter=max_iter,
                        random_state=seed, warm_start=start is not None)
    if start is not None:  # one iteration creates the fitted attributes warm_start needs
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net.set_params(max_iter=1).fit(parts.X_train, parts.y_train)
        net.set_params(max_iter=max_iter)

    def fit():
        if start is not None:
            net.coefs_ = [w.copy() for w in start[0::2]]
            net.intercepts_ = [b.copy() for b in start[1::2]]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            net.fit(parts.X_train, parts.y_train)
        # scikit-learn warns exactly when scipy did not converge
        return not any(issubclass(w.category, ConvergenceWarning) for w in caught)

    evaluations = [0]
    evaluate = net._loss_grad_lbfgs  # counted on the first fit only, timed without

    def counted(*args):
        evaluations[0] += 1
        return evaluate(*args)

    net._loss_grad_lbfgs = counted
    converged = fit()
    del net._loss_grad_lbfgs
    from benchmarks.tasks import median_seconds  # tasks imports this module

    seconds = median_seconds(fit, repeats)
    return {"evaluations": evaluations[0], "seconds": seconds,
            "accuracy": float(net.score(parts.X_test, parts.y_test)), "converged": converged}


def measure(seeds, repeats, max_iter=MAX_ITER):
    """{data set: {implementation: [one dict per seed]}}."""
    results = {}
    for name, parts in e4_sets().items():
        runs = results[name] = {"mlplab": [], SAME_START: [], OWN_INIT: []}
        for seed in seeds:
            start, ours = run_mlplab(parts, seed, repeats, max_iter)
            runs["mlplab"].append(ours)
            runs[SAME_START].append(run_sklearn(parts, seed, repeats, max_iter, start))
            runs[OWN_INIT].append(run_sklearn(parts, seed, repeats, max_iter))
    return results


def summary(runs):
    return {"evaluations": sum(r["evaluations"] for r in runs),
            "seconds": sum(r["seconds"] for r in runs),
            "accuracy": float(np.mean([r["accuracy"] for r in runs])),
            "converged": sum(r["converged"] for r in runs), "fits": len(runs)}


def task_l(scale, repeats):
    """L: E4's net, full-batch L-BFGS, 20 seeds on moons and circles (1 seed, at most 200
    iterations in a smoke run): evaluations, seconds and test accuracy, both libraries."""
    from threadpoolctl import threadpool_limits

    n_seeds = 20 if scale >= 1 else 1
    max_iter = MAX_ITER if scale >= 1 else 200
    with threadpool_limits(limits=1):
        results = measure(range(n_seeds), repeats, max_iter)
    fits = f"{2 * n_seeds} fits"
    rows = []
    for impl in ("mlplab", SAME_START, OWN_INIT):
        total = summary([run for runs in results.values() for run in runs[impl]])
        rows += [{"task": "L", "impl": impl, "value": total["seconds"], "unit": f"s, {fits}"},
                 {"task": "L-fev", "impl": impl, "value": total["evaluations"],
                  "unit": f"evaluations, {fits}"},
                 {"task": "L-acc", "impl": impl, "value": total["accuracy"],
                  "unit": "mean test accuracy"}]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads for both libraries (default 1); 0: leave as is")
    args = parser.parse_args()
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    limit = threadpool_limits(limits=args.threads) if args.threads else nullcontext()
    with limit:
        results = measure(range(args.seeds), args.repeats)
    print(f"E4 net 2-25-50-50-25-1, full-batch L-BFGS (tol={TOL:g}, alpha={ALPHA:g}), "
          f"{args.seeds} seeds, BLAS threads: {args.threads or 'default'}")
    print(f"{'':<14}{'':<32}{'evaluations':>12}{'seconds':>9}{'test acc':>9}{'converged':>10}"
          f"{'theirs/ours evals':>19}{'time':>7}")
    for name, runs in results.items():
        ours = summary(runs["mlplab"])
        for impl, impl_runs in runs.items():
            s = summary(impl_runs)
            ratios = ("" if impl == "mlplab" else f"{s['evaluations'] / ours['evaluations']:19.2f}"
                      f"{s['seconds'] / ours['seconds']:7.2f}")
            print(f"{name:<14}{impl:<32}{s['evaluations']:12d}{s['seconds']:9.2f}"
                  f"{s['accuracy']:9.3f}{s['converged']:>6}/{s['fits']:<3}{ratios}")


if __name__ == "__main__":
    main()
