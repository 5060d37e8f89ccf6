"""Run the performance benchmarks: ``python -m benchmarks [--smoke] [--json out.json]``.

Prints one table of times and the ratios against the performance issue's goals,
writes the numbers as JSON and draws the scale sweep. ``--smoke`` runs tiny sizes
once (CI uses it so the benchmarks keep working); speed is never asserted.
"""

import argparse
import json
from pathlib import Path

from benchmarks.bench_lbfgs import OWN_INIT, SAME_START
from benchmarks.tasks import TASKS, environment

# (task, faster implementation, slower reference, goal ratio). A goal below 1 reads
# "within 1/goal times the reference's time".
GOALS = [
    ("H", "mlplab f32", "PyTorch f32, 1 thread", 4.0),  # the same dtype on both sides
    ("H", "mlplab", "plain NumPy loop", 2.5),
    ("H", "mlplab", "FLOP floor, 1 core", 1 / 1.5),  # within 1.5x of the floor
    ("P", "mlplab compiled", "PyTorch loop", 1000.0),
    ("P", "mlplab compiled", "mlplab NumPy path", 100.0),
    ("K", "mlplab", "PyTorch f32, 1 thread", 20.0),
    ("K", "mlplab", "Keras 3 (TensorFlow), 1 thread", 50.0),
    ("G", "mlplab predict", "PyTorch f64", 1.0),
    ("G", "mlplab predict f32", "PyTorch f32", 1.0),
    ("G", "mlplab predict", "bare matmul chain", 1 / 1.2),  # within 1.2x of it
    ("S", "mlplab fit_many", "separate fits (auto)", 5.0),
    ("S", "mlplab fit_many", "separate fits (NumPy)", 5.0),
    ("study", "2 worker(s)", "1 worker(s)", 1.7),
    ("L", "mlplab", SAME_START, 1.0),  # less time than scikit-learn's lbfgs ...
    ("L-fev", "mlplab", SAME_START, 1.0),  # ... in fewer evaluations, from E4's weights
]
# Ratios printed for information, with no goal of their own: (task, fast, slow, why).
INFO = [
    ("H", "mlplab", "PyTorch f32, 1 thread", "float64 against float32"),
    ("S-E4", "mlplab fit_many", "separate fits (auto)",
     "E4's net: arithmetic-bound, see its ceiling"),
    ("L", "mlplab", OWN_INIT, "scikit-learn from its own Glorot initialisation"),
    ("L-fev", "mlplab", OWN_INIT, "scikit-learn from its own Glorot initialisation"),
]
# (task, implementation, reference, largest difference): values that must stay close.
CLOSE = [("L-acc", "mlplab", SAME_START, 0.02)]
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


def unreachable_below_floor(rows, task, slow, goal):
    """Why a goal relative to ``slow`` cannot be met here, if meeting it would take less
    time than the task's FLOP floor (the arithmetic at a large product's rate); else ""."""
    floor = next((r["impl"] for r in rows if r["task"] == task and r["impl"].startswith(
        "FLOP floor")), None)
    slow_over_floor = ratio(rows, task, floor, slow) if floor else None
    if slow_over_floor is None or slow_over_floor >= goal:
        return ""
    return (f" (out of reach here: {slow} itself takes {slow_over_floor:.2f}x the {floor}, "
            f"so {goal:g}x faster would be under the floor)")


def draw_sweep(rows, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweep = [r for r in rows if r["task"] == "scale" and r["impl"] == "mlplab"]
    if not sweep:
        return None
    ceiling = [r for r in rows if r["task"] == "scale" and r["impl"] != "mlplab"]
    wide = [r for r in rows if r["task"] == "width"]
    figure, axes = plt.subplots(1, 3 if wide else 2, figsize=(13 if wide else 9, 3.6),
                                layout="constrained")
    left, right = axes[0], axes[1]
    n = [r["n_samples"] for r in sweep]
    left.loglog(n, [r["value"] for r in sweep], "o-", color="#1a73e8", label="mlplab")
    left.loglog(n, [sweep[0]["value"] * k / n[0] for k in n], "--", color="#9aa0a6",
                label="linear in samples")
    left.set_xlabel("samples (full batch)")
    left.set_ylabel("seconds per epoch")
    left.set_title("E4 net: time grows with the data")
    left.legend(frameon=False)
    right.semilogx(n, [r["gflops"] for r in sweep], "o-", color="#e8710a", label="mlplab")
    right.set_xlabel("samples (full batch)")
    right.set_title("E4 net (2-25-50-50-25-1): throughput")
    if wide:
        axes[2].semilogx([r["width"] for r in wide], [r["gflops"] for r in wide], "o-",
                         color="#188038", label="mlplab")
        axes[2].set_xscale("log", base=2)
        axes[2].set_xlabel(f"hidden width w (2-w-w-w-1, {wide[0]['n_samples']} samples)")
        axes[2].set_title("wider nets: throughput")
    for ax in axes[1:]:
        for row in ceiling:
            ax.axhline(row["gflops"], color="#202124", linewidth=1,
                       label=f"{row['impl']}: {row['gflops']:.0f} GFLOP/s")
            ax.axhline(0.7 * row["gflops"], color="#202124", linewidth=1, linestyle=":",
                       label="70% of it (the goal)")
        ax.set_ylabel("GFLOP/s")
        ax.set_ylim(bottom=0, top=1.1 * max([r["gflops"] for r in ceiling + sweep + wide]))
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    from matplotlib.ticker import NullFormatter

    for ax, ticks in zip(axes, [n, n, [r["width"] for r in wide]], strict=False):
        ax.grid(alpha=0.3)
        ax.set_xticks(ticks, [f"{t:,}" for t in ticks])  # the measured sizes, no clutter
        ax.xaxis.set_minor_formatter(NullFormatter())
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
        if "gflops" in row:
            size += f" ({row['gflops']:.1f} GFLOP/s)"
        print(f"{row['task']:<6} {row['impl']:<26} {row['value']:>12.4g}  {row['unit']}{size}")
    print("\ngoals (ratio = how many times faster):")
    results = []
    for task, fast, slow, goal in GOALS:
        found = ratio(rows, task, fast, slow)
        if found is None:
            print(f"  {task}: {fast} vs {slow}: reference not run or not installed")
            continue
        verdict = "met" if found >= goal else "not met"
        if verdict != "met" and slow == "plain NumPy loop":
            verdict += unreachable_below_floor(rows, task, slow, goal)
        if goal < 1:  # "within k times the reference's time"
            print(f"  {task}: {fast} takes {1 / found:.2f}x the time of {slow} (goal: within "
                  f"{1 / goal:g}x) {verdict}")
        else:
            print(f"  {task}: {fast} vs {slow}: {found:.1f}x (goal {goal:g}x) {verdict}")
        results.append({"task": task, "fast": fast, "slow": slow, "ratio": found, "goal": goal})
    for task, fast, slow, why in INFO:
        found = ratio(rows, task, fast, slow)
        if found is not None:
            print(f"  {task}: {fast} vs {slow}: {found:.1f}x (no goal: {why})")
            results.append({"task": task, "fast": fast, "slow": slow, "ratio": found})
    for row in (r for r in rows if r["task"] == "S-E4" and r["impl"].startswith("FLOP")):
        # The most any way of training E4's 10 models could gain here.
        best = ratio(rows, "S-E4", row["impl"], "separate fits (auto)")
        if best is not None:
            print(f"  S-E4: ceiling on this machine: the separate fits take {best:.1f}x "
                  f"the {row['impl']}")
            results.append({"task": "S-E4", "ceiling": best})
    sweep = [r for r in rows if r["task"] == "scale" and r["impl"] == "mlplab"]
    ceiling = [r for r in rows if r["task"] == "scale" and r["impl"] != "mlplab"]
    if sweep and ceiling:
        share = sweep[-1]["gflops"] / ceiling[0]["gflops"]
        per_sample = (sweep[-1]["value"] / sweep[-1]["n_samples"]) / (
            sweep[0]["value"] / sweep[0]["n_samples"])
        verdict = "met" if share >= 0.7 else "not met"
        print(f"  scale: {sweep[-1]['gflops']:.1f} GFLOP/s at n={sweep[-1]['n_samples']}, "
              f"{share:.0%} of {ceiling[0]['impl']} (goal 70%) {verdict}; time per sample "
              f"{per_sample:.2f}x that at n={sweep[0]['n_samples']} (linear: <= 1)")
        results.append({"task": "scale", "share_of_matmul": share,
                         "time_per_sample_ratio": per_sample, "goal": 0.7})
    for row in (r for r in rows if r["task"] == "width" and ceiling):
        share = row["gflops"] / ceiling[0]["gflops"]
        print(f"  width {row['width']}: {row['gflops']:.1f} GFLOP/s, {share:.0%} of "
              f"{ceiling[0]['impl']}")
        results.append({"task": "width", "width": row["width"], "share_of_matmul": share})
    for task, impl, reference, most in CLOSE:
        values = {r["impl"]: r["value"] for r in rows if r["task"] == task}
        if impl in values and reference in values:
            gap = abs(values[impl] - values[reference])
            print(f"  {task}: {impl} {values[impl]:.3f} vs {reference} {values[reference]:.3f}: "
                  f"differ by {gap:.3f} (goal <= {most:g}) {'met' if gap <= most else 'not met'}")
            results.append({"task": task, "impl": impl, "reference": reference, "gap": gap,
                            "goal": most})
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
