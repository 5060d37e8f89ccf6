"""Run the performance benchmarks: ``python -m benchmarks [--smoke] [--json out.json]``.

Prints one table of times and the ratios against the performance issue's goals,
writes the numbers as JSON and draws the scale sweep. ``--smoke`` runs tiny sizes
once (CI uses it so the benchmarks keep working); speed is never asserted.
"""

import argparse
import json
from pathlib import Path

from benchmarks.tasks import TASKS, environment

# (task, faster implementation, slower reference, goal ratio, "higher is better" unit?)
GOALS = [
    ("H", "mlplab", "PyTorch f32, 1 thread", 4.0),
    ("H", "mlplab", "plain NumPy loop", 2.5),
    ("P", "mlplab compiled", "PyTorch loop", 1000.0),
    ("P", "mlplab compiled", "mlplab NumPy path", 100.0),
    ("K", "mlplab", "PyTorch f32, 1 thread", 20.0),
    ("S", "mlplab fit_many", "separate fits (auto)", 5.0),
    ("S", "mlplab fit_many", "separate fits (NumPy)", 5.0),
    ("S-E4", "mlplab fit_many", "separate fits (auto)", 5.0),
    ("study", "2 worker(s)", "1 worker(s)", 1.7),
]
# (task, implementation, upper limit): values that must stay below a bound.
LIMITS = [("study-memory", "1 worker(s)", 400.0), ("study-memory", "2 worker(s)", 400.0)]
HIGHER_IS_BETTER = {"updates/s"}


def ratio(rows, task, fast, slow):
    values = {r["impl"]: r for r in rows if r["task"] == task}
    if fast not in values or slow not in values:
        return None
    a, b = values[fast], values[slow]
    if a["unit"] in HIGHER_IS_BETTER:
        return a["value"] / b["value"]
    return b["value"] / a["value"]


def draw_sweep(rows, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweep = [r for r in rows if r["task"] == "scale"]
    if not sweep:
        return None
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    n = [r["n_samples"] for r in sweep]
    left.loglog(n, [r["value"] for r in sweep], "o-", color="#1a73e8")
    left.set_xlabel("samples (full batch)")
    left.set_ylabel("seconds per epoch")
    left.set_title("E4 net: time grows with the data")
    right.semilogx(n, [r["gflops"] for r in sweep], "o-", color="#e8710a")
    right.set_xlabel("samples (full batch)")
    right.set_ylabel("GFLOP/s")
    right.set_title("arithmetic throughput")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    figure.savefig(out, dpi=100)
    plt.close(figure)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--tasks", default=",".join(TASKS), help="comma-separated subset")
    parser.add_argument("--json", default="benchmarks/results.json", type=Path)
    parser.add_argument("--figure", default="benchmarks/scale_sweep.png", type=Path)
    args = parser.parse_args()
    scale, repeats = (0.02, 1) if args.smoke else (1.0, 3)
    rows = []
    unknown = [name for name in args.tasks.split(",") if name not in TASKS]
    if unknown:
        parser.error(f"unknown task(s) {', '.join(unknown)}; choose from {', '.join(TASKS)}")
    for name in args.tasks.split(","):
        rows += TASKS[name](scale, repeats)
    print(f"{'task':<6} {'implementation':<26} {'value':>12}  unit")
    for row in rows:
        size = f" n={row['n_samples']}" if "n_samples" in row else ""
        print(f"{row['task']:<6} {row['impl']:<26} {row['value']:>12.4g}  {row['unit']}{size}")
    print("\ngoals (ratio = how many times faster):")
    results = []
    for task, fast, slow, goal in GOALS:
        found = ratio(rows, task, fast, slow)
        if found is None:
            print(f"  {task}: {fast} vs {slow}: reference not run or not installed")
            continue
        verdict = "met" if found >= goal else "not met"
        print(f"  {task}: {fast} vs {slow}: {found:.1f}x (goal {goal:g}x) {verdict}")
        results.append({"task": task, "fast": fast, "slow": slow, "ratio": found, "goal": goal})
    for task, impl, limit in LIMITS:
        for row in rows:
            if row["task"] == task and row["impl"] == impl:
                verdict = "met" if row["value"] < limit else "not met"
                print(f"  {task}: {impl}: {row['value']:.0f} (goal < {limit:g}) {verdict}")
                results.append({"task": task, "impl": impl, "value": row["value"],
                                "limit": limit})
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"environment": environment(), "smoke": args.smoke,
                                     "rows": rows, "goals": results}, indent=2))
    figure = draw_sweep(rows, args.figure)
    print(f"\nwrote {args.json}" + (f" and {figure}" if figure else ""))


if __name__ == "__main__":
    main()
