"""A study run stopped from outside: SIGKILL leaves no worker behind, Ctrl+C stops promptly.

The processes are watched through Linux's /proc (psutil is not a dependency).
"""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mlplab.study import ResultStore, load_study, run_study

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches /proc (Linux)"),
]

# Workers take the largest estimate first: "quick" (10^7 epochs, but its tolerance stops it
# after three) finishes at once, then "slow" keeps both workers busy for half a minute or more.
STUDY = """
[study]
name = "interrupted"
seeds = 2

[[datasets]]
name = "moons"
generator = "moons"
params = { n_samples = 200, noise = 0.2, random_state = 0 }

[[models]]
name = "quick"
hidden_layer_sizes = [16]
epochs = 10000000
tol = 1000.0
n_iter_no_change = 1

[[models]]
name = "slow"
hidden_layer_sizes = [64, 64]
epochs = 100000
n_iter_no_change = "never"
"""


def process_stat(pid):
    """(state, parent pid, start time) of a process from /proc, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name, in (), may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def children(pid):
    """{child pid: its start time} for every live child process of ``pid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = process_stat(entry.name)
            if stat and stat[1] == pid and stat[0] not in "ZX":
                found[int(entry.name)] = stat[2]
    return found


def alive(processes):
    """The processes of ``{pid: start time}`` still running (a zombie has exited)."""
    running = {}
    for pid, started in processes.items():
        stat = process_stat(pid)
        if stat and stat[2] == started and stat[0] not in "ZX":
            running[pid] = started
    return running


def wait_for(condition, seconds, step=0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


def end(processes):
    """Kill whatever of ``processes`` a failed test left running (only ours, by pid)."""
    for pid in alive(processes):
        os.kill(pid, signal.SIGKILL)


def done_cells(database):
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True) as connection:
            return connection.execute(
                "SELECT COUNT(*) FROM cells WHERE status = 'done'").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def start_run(tmp_path, *options):
    path = tmp_path / "interrupted.toml"
    path.write_text(STUDY)
    command = [sys.executable, "-m", "mlplab", "study", "run", str(path), "--db",
               str(tmp_path / "i.sqlite"), "--no-progress", *options]
    # Its own session, so that a signal to its process group is what a terminal's Ctrl+C sends.
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True), path


def test_sigkill_of_a_run_ends_its_pool_workers(tmp_path):
    process, _ = start_run(tmp_path, "--jobs", "2", "--force-jobs")
    workers = {}
    try:
        workers = wait_for(lambda: len(children(process.pid)) >= 2 and children(process.pid),
                           120)
        assert len(workers) >= 2, "the run did not start its two workers"
        time.sleep(1.0)  # let them take cells
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert wait_for(lambda: not alive(workers), 5), \
            f"workers {sorted(alive(workers))} outlived their parent by 5 s"
    finally:
        process.kill()
        end(workers)


# The watchdog thread alone (as on macOS, where there is no PR_SET_PDEATHSIG), and both guards.
POOL_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from mlplab.study import runner

    if sys.argv[1] == "thread only":
        runner._ask_for_parent_death_signal = lambda: None
    import multiprocessing
    context = multiprocessing.get_context()
    pool = ProcessPoolExecutor(2, mp_context=context, initializer=runner._start_worker,
                               initargs=(os.getpid(), context.get_start_method()))
    pool.submit(os.getpid).result()
    print("ready", flush=True)
    time.sleep(600)
""")


@pytest.mark.parametrize("guard", ["death signal and thread", "thread only"])
def test_idle_workers_exit_when_their_parent_is_killed(guard):
    process = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT, guard],
                               stdout=subprocess.PIPE, text=True)
    workers = {}
    try:
        assert process.stdout.readline().strip() == "ready"
        workers = wait_for(lambda: len(children(process.pid)) >= 2 and children(process.pid),
                           30)
        assert len(workers) >= 2
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert wait_for(lambda: not alive(workers), 5), f"{sorted(alive(workers))} survived"
    finally:
        process.kill()
        end(workers)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_promptly_keeps_the_finished_cells_and_resumes(tmp_path, jobs):
    process, path = start_run(tmp_path, "--jobs", jobs, "--force-jobs")
    database = tmp_path / "i.sqlite"
    workers = {}
    try:
        assert wait_for(lambda: done_cells(database) >= 2, 120, step=0.2), "quick cells missing"
        workers = children(process.pid)
        assert len(workers) >= int(jobs) - 1  # --jobs 1 runs the cells in the process itself
        time.sleep(0.5)  # both slow cells are running now, each for half a minute or more
        os.killpg(process.pid, signal.SIGINT)
        start = time.monotonic()
        out, err = process.communicate(timeout=60)
        seconds = time.monotonic() - start
    finally:
        process.kill()
        end(workers)
    assert process.returncode == 130, (out, err)
    assert seconds < 5, f"Ctrl+C took {seconds:.1f} s"
    assert f"Stopped: 2 of 4 cells saved in {database}; run the same command again to " \
           "resume." in err
    assert "Traceback" not in err and "Aborted" not in err
    assert not wait_for(lambda: alive(workers), 5), "workers left running after Ctrl+C"
    with ResultStore(database) as store:
        assert store.integrity() == "ok"
        assert {row["model"] for row in store.rows() if row["status"] == "done"} == {"quick"}

    def shorten(cell):
        return {**cell, "params": {**cell["params"], "epochs": min(cell["params"]["epochs"], 3)}}

    summary = run_study(load_study(path), database=database, transform=shorten)
    assert (summary.skipped, summary.ran, summary.failed) == (2, 2, 0)
