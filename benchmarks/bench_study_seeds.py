"""The seed study before and after many seeds: wall time of ``mlplab study run seeds``,
back to back, and whether the cells both run agree.

"Before" is another checkout of mlplab (e.g. ``git worktree add /work/study-before
<commit>``), run with its own ``src`` on ``PYTHONPATH`` and its own study files (5 seeds
before issue 24; in ``studies/`` before they moved into the package, in
``src/mlplab/studies/`` after); "after" is this checkout (20 seeds). The runs alternate, before then
after, ``--repeats`` times, so both see the same load on a shared machine; the medians
and their ratio are printed. Every run starts from an empty database (``--fresh``).

Cells have the same key in both databases when their settings and seed agree; the
benchmark compares their results (every metric but fit_time, and the loss curve),
which must be equal: the cells an issue-24 run trains together give the numbers of
cells run one by one.

    python benchmarks/bench_study_seeds.py --before /work/study-before --jobs 2
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def seed_study(checkout):
    """``checkout``'s seed study file: built into the package, or in ``studies/`` (older)."""
    for folder in (checkout / "src" / "mlplab" / "studies", checkout / "studies"):
        if (folder / "seeds.toml").is_file():
            return folder / "seeds.toml"
    raise SystemExit(f"{checkout}: no seeds.toml in src/mlplab/studies/ or studies/")


def run_study(checkout, database, jobs):
    """Seconds of wall time of one fresh ``mlplab study run`` of ``checkout``'s seed study."""
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    command = [sys.executable, "-m", "mlplab", "study", "run",
               str(seed_study(checkout)), "--jobs", str(jobs), "--fresh",
               "--no-progress", "--db", str(database), "--report",
               str(database.with_suffix(".html"))]
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, capture_output=True, text=True)
    return time.perf_counter() - start


def results(database):
    """key -> (metrics without fit_time, loss curve) of every finished cell."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT key, metrics, history FROM cells "
                                  "WHERE status = 'done'").fetchall()
    return {key: ({k: v for k, v in json.loads(metrics).items() if k != "fit_time"},
                  json.loads(history)) for key, metrics, history in rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True,
                        help="a checkout of mlplab before issue 24 (its src/ and its study files)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    times = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(args.repeats):
            for label, checkout in (("before", args.before.resolve()), ("after", HERE)):
                database = Path(folder) / f"{label}-{repeat}.sqlite"
                times[label].append(run_study(checkout, database, args.jobs))
                print(f"{label}: {times[label][-1]:.1f} s", flush=True)
        before, after = results(Path(folder) / "before-0.sqlite"), results(
            Path(folder) / "after-0.sqlite")
    shared = sorted(set(before) & set(after))
    equal = sum(before[key] == after[key] for key in shared)
    cells_before, cells_after = len(before), len(after)
    median_before, median_after = (statistics.median(times[k]) for k in ("before", "after"))
    print(f"seed study, {args.jobs} worker(s), median of {args.repeats}:")
    print(f"  before: {median_before:6.1f} s wall, {cells_before} cells")
    print(f"  after:  {median_after:6.1f} s wall, {cells_after} cells")
    print(f"  ratio after / before: {median_after / median_before:.2f} (goal: at most 2)")
    pairs = ", ".join(f"{a / b:.2f}" for a, b in zip(times["after"], times["before"],
                                                      strict=True))
    print(f"  ratio of each back-to-back pair: {pairs}")
    print(f"  cells in both: {len(shared)}, with equal results: {equal}")
    return 0 if equal == len(shared) else 1


if __name__ == "__main__":
    sys.exit(main())
