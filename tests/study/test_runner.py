import inspect
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from mlplab.cli import main
from mlplab.errors import InvalidInputError
from mlplab.study import ResultStore, load_study, run_study, summarise, write_report


def metrics_by_key(database):
    with ResultStore(database) as store:
        return {row["key"]: {k: v for k, v in row["metrics"].items() if k != "fit_time"}
                for row in store.rows()}


def test_run_records_every_cell_and_resumes(small_study, tmp_path):
    spec = load_study(small_study)
    database = tmp_path / "r.sqlite"
    first = run_study(spec, database=database)
    assert (first.total, first.ran, first.skipped, first.failed) == (16, 16, 0, 0)
    again = run_study(spec, database=database)
    assert (again.ran, again.skipped) == (0, 16)
    fresh = run_study(spec, database=database, fresh=True)
    assert fresh.ran == 16
    with ResultStore(database) as store:
        rows = store.rows()
        assert len(rows) == 16 and store.integrity() == "ok"
        net = [r for r in rows if r["model"] == "net"][0]
        assert len(net["history"]) == 30 and 0 <= net["metrics"]["accuracy"] <= 1
        assert "log_loss" in net["metrics"]
        first_seed = [r for r in rows if r["seed"] == 0][0]
        assert set(store.figures(first_seed["key"])) == {"boundary"}


def test_process_pool_gives_the_same_results(small_study, tmp_path):
    spec = load_study(small_study)
    run_study(spec, database=tmp_path / "one.sqlite", jobs=1)
    run_study(spec, database=tmp_path / "two.sqlite", jobs=2)
    assert metrics_by_key(tmp_path / "one.sqlite") == metrics_by_key(tmp_path / "two.sqlite")


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_results(small_study, tmp_path):
    pytest.importorskip("dask.distributed")
    spec = load_study(small_study)
    run_study(spec, database=tmp_path / "pool.sqlite", jobs=2)
    run_study(spec, database=tmp_path / "dask.sqlite", jobs=2, executor="dask")
    assert metrics_by_key(tmp_path / "pool.sqlite") == metrics_by_key(tmp_path / "dask.sqlite")


def test_a_failing_cell_is_recorded_and_the_rest_carry_on(tmp_path):
    path = tmp_path / "f.toml"
    path.write_text('''
[study]
name = "failing"
seeds = 1
[[datasets]]
name = "blobs"
generator = "blobs"
params = { n_samples = 60, centers = 3 }
[[models]]
name = "net with a binary output"
layers = [{ input_dim = 2, output_dim = 1, activation = "sigmoid" }]
epochs = 2
[[models]]
name = "knn"
baseline = "knn"
''')
    summary = run_study(load_study(path), database=tmp_path / "f.sqlite")
    assert (summary.ran, summary.failed) == (2, 1)
    with ResultStore(tmp_path / "f.sqlite") as store:
        failed = [r for r in store.rows() if r["status"] == "failed"][0]
    assert "the last layer has 1 units but the targets need 3" in failed["error"]


def test_report_formats(small_study, tmp_path):
    spec = load_study(small_study)
    database = tmp_path / "r.sqlite"
    run_study(spec, database=database)
    page = write_report(spec, database, tmp_path / "r.html")
    text = page.read_text()
    assert "<table>" in text and "Published figures" in text
    # one boundary per row (first seed), one strip plot per published figure
    assert text.count("data:image/png;base64,") == 2 * 4 + 1
    assert text.count("class='strip zoom'") == 1
    assert "http://" not in text and "https://" not in text
    assert "rbf (C=0.5)" in text and "rbf (C=2.0)" in text
    markdown = write_report(spec, database, tmp_path / "r.md", fmt="markdown").read_text()
    assert "| knn | 2 |" in markdown
    assert "Verdict rule:" in markdown and "| moons | knn | accuracy | 0.900 | 2 |" in markdown
    rows = write_report(spec, database, tmp_path / "r.csv", fmt="csv").read_text().splitlines()
    assert rows[0].startswith("study,dataset,model,setting,seeds,failed,accuracy_mean")
    assert len(rows) == 1 + 2 * 4
    with ResultStore(database) as store:
        summary = summarise(store, spec)
    knn = [r for r in summary if r.model == "knn" and r.dataset == "moons"][0]
    assert len(knn.values["accuracy"]) == 2


def test_cli_run_report_list_show(small_study, tmp_path):
    runner = CliRunner()
    database = tmp_path / "c.sqlite"
    result = runner.invoke(main, ["study", "run", str(small_study), "--db", str(database),
                                  "--no-progress", "--report", str(tmp_path / "c.html")])
    assert result.exit_code == 0, result.output
    assert "16 cells: 0 already done, 16 run now (0 failed)" in result.output
    assert (tmp_path / "c.html").exists()
    result = runner.invoke(main, ["study", "list", "--db", str(database)])
    assert "small" in result.output and "16" in result.output
    result = runner.invoke(main, ["study", "show", str(small_study), "--db", str(database)])
    assert "| knn | 2 |" in result.output
    result = runner.invoke(main, ["study", "report", str(small_study), "--db", str(database),
                                  "--format", "csv", "--out", str(tmp_path / "c.csv")])
    assert result.exit_code == 0 and (tmp_path / "c.csv").exists()


@pytest.mark.slow
def test_a_killed_run_resumes_with_only_the_missing_cells(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text('''
[study]
name = "killed"
seeds = 12
[[datasets]]
name = "moons"
generator = "moons"
params = { n_samples = 200, noise = 0.2, random_state = 0 }
[[models]]
name = "net"
hidden_layer_sizes = [256, 64]
batch_size = 32
epochs = 600
''')
    database = tmp_path / "k.sqlite"
    command = [sys.executable, "-m", "mlplab", "study", "run", str(path), "--db",
               str(database), "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline and done < 3:
        time.sleep(0.2)
        if database.exists():
            try:
                with sqlite3.connect(database) as connection:
                    done = connection.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 3 <= done < 12, "the run finished before it could be killed"
    with ResultStore(database) as store:
        assert store.integrity() == "ok"
        recorded = len(store.rows())
    summary = run_study(load_study(path), database=database)
    assert summary.skipped == recorded and summary.ran == 12 - recorded
    with ResultStore(database) as store:
        assert len(store.rows()) == 12 and store.integrity() == "ok"


def test_workers_take_the_largest_cells_first():
    """Longest first: the seed study's 10 000-epoch E4 nets must not start last."""
    from mlplab.study import load_study
    from mlplab.study.runner import estimated_cost

    spec = load_study("seeds")
    ranked = sorted(spec.cells(), key=estimated_cost, reverse=True)
    assert {cell["model"] for cell in ranked[:5]} == {"net 2-25-50-50-25-1"}
    assert all(cell["baseline"] for cell in ranked[-8:])  # the SVCs, in milliseconds, once
    e2 = [estimated_cost(c) for c in spec.cells() if c["model"] == "2-3-1 sigmoid"]
    e3 = [estimated_cost(c) for c in spec.cells() if c["model"] == "2 hidden layers of 10"]
    assert max(e2) < min(e3)


def thread_counts(cells):
    """What a pool worker's task would see: each loaded BLAS/OpenMP library's threads."""
    from threadpoolctl import threadpool_info

    return [[(library["user_api"], library["num_threads"]) for library in threadpool_info()]
            for _ in cells]


def test_pool_workers_run_blas_on_one_thread(monkeypatch):
    """A forked worker inherits its parent's BLAS, already started with several threads:
    a thread variable set then comes too late, the limit threadpoolctl sets does not."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from mlplab.study import runner as study_runner

    assert any(lib["user_api"] == "blas" for lib in threadpool_info())  # numpy's, at least
    monkeypatch.setattr(study_runner, "run_cells", thread_counts)
    tasks = [[{"dataset_spec": {}, "baseline": "knn", "seed": seed}] for seed in range(4)]
    with threadpool_limits(limits=2):  # the run's own BLAS: two threads, on any machine
        reports = [counts for pairs in study_runner._pool_results(tasks, jobs=2)
                   for _, counts in pairs]
        assert {n for _, n in thread_counts([None])[0]} == {2}  # the run itself is unchanged
    assert len(reports) == 4 and all(reports)
    assert {api for counts in reports for api, _ in counts} >= {"blas"}
    assert {n for counts in reports for _, n in counts} == {1}, reports


def test_readers_of_a_database_create_nothing_and_name_the_problem(small_study, tmp_path):
    runner = CliRunner()
    missing = tmp_path / "missing.sqlite"
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE songs (title TEXT)")
    cases = [
        (["study", "show", str(small_study), "--db", str(missing)], "no such results database"),
        (["study", "report", str(small_study), "--db", str(missing)], "no such results database"),
        (["study", "list", "--db", str(missing)], "no such results database"),
        (["study", "list", "--db", str(text)], "not a results database that mlplab can open"),
        (["study", "show", str(small_study), "--db", str(foreign)], "tables: songs"),
    ]
    before = sorted(tmp_path.iterdir())
    for args, message in cases:
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.startswith("Error: ") and message in result.output, result.output
        assert "Traceback" not in result.output
    assert sorted(tmp_path.iterdir()) == before
    assert text.read_text() == "not a database\n"
    with pytest.raises(InvalidInputError, match="no such results database"):
        ResultStore(missing)
    assert not missing.exists()


FAILING = '''
[study]
name = "failing"
seeds = 1
[[datasets]]
name = "blobs"
generator = "blobs"
params = { n_samples = 60, centers = 3 }
[[models]]
name = "net with a binary output"
layers = [{ input_dim = 2, output_dim = 1, activation = "sigmoid" }]
epochs = 2
'''


def test_the_exit_code_is_1_only_when_no_cell_has_a_result(tmp_path):
    runner = CliRunner()
    path = tmp_path / "f.toml"
    path.write_text(FAILING)
    result = runner.invoke(main, ["study", "run", str(path), "--no-progress"])
    assert result.exit_code == 1, result.output
    assert "Error: every cell failed (1 of 1); the first: blobs / net with a binary output / " \
           "seed 0: " in result.output
    assert "the last layer has 1 units but the targets need 3" in result.output
    path.write_text(FAILING + '[[models]]\nname = "knn"\nbaseline = "knn"\n')
    result = runner.invoke(main, ["study", "run", str(path), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "Warning: 1 of 2 cells run now failed (they run again next time)" in result.output


def test_jobs_above_the_cores_are_capped_unless_forced(small_study, tmp_path, monkeypatch):
    from mlplab.study import runner as study_runner

    monkeypatch.setattr(study_runner, "usable_cores", lambda: 1)
    with pytest.warns(UserWarning, match=r"jobs=3 is more than the 1 core .* force_jobs=True"):
        assert study_runner.worker_count(3) == 1
    assert study_runner.worker_count(3, force=True) == 3
    for jobs in (0, -2, 1.5, True, "2"):
        with pytest.raises(InvalidInputError, match=f"jobs={jobs!r}: give a positive int"):
            study_runner.worker_count(jobs)
    result = CliRunner().invoke(main, ["study", "run", str(small_study), "--jobs", "3",
                                       "--db", str(tmp_path / "c.sqlite"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert result.output.count("Warning: jobs=3 is more than the 1 core") == 1
    assert "--force-jobs" in result.output
    for jobs in ("0", "-1"):
        result = CliRunner().invoke(main, ["study", "run", str(small_study), "--jobs", jobs])
        assert result.exit_code == 2 and "Usage:" in result.output
        assert f"Invalid value for '--jobs': {jobs} is not in the range x>=1" in result.output


def test_data_dir_lets_a_study_read_csv_files_outside_its_folder(tmp_path):
    if "data_dirs" not in inspect.signature(load_study).parameters:
        pytest.skip("load_study has no data_dirs yet")
    shared = tmp_path / "shared"
    shared.mkdir()
    rows = [f"{x:.3f},{y:.3f},{int(x * y > 0)}" for x in (-1.0, -0.5, 0.5, 1.0)
            for y in (-1.0, -0.3, 0.3, 1.0)]
    (shared / "q.csv").write_text("\n".join(rows * 2) + "\n")
    studies = tmp_path / "studies"
    studies.mkdir()
    path = studies / "s.toml"
    path.write_text('''
[study]
name = "outside"
seeds = 1
[split]
test = 0.25
[[datasets]]
name = "quadrants"
csv = "../shared/q.csv"
[[models]]
name = "knn"
baseline = "knn"
''')
    runner = CliRunner()
    result = runner.invoke(main, ["study", "run", str(path), "--no-progress"])
    assert result.exit_code == 2 and "outside the study's folder" in result.output
    assert not (studies / "s.sqlite").exists()
    result = runner.invoke(main, ["study", "run", str(path), "--data-dir", str(shared),
                                  "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "1 cells: 0 already done, 1 run now (0 failed)" in result.output
    result = runner.invoke(main, ["study", "show", str(path), "--data-dir", str(shared)])
    assert result.exit_code == 0 and "| knn |" in result.output
    result = runner.invoke(main, ["study", "run", str(path), "--data-dir",
                                  str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_outputs_are_checked_before_the_run_and_a_database_at_rest_is_one_file(small_study,
                                                                               tmp_path):
    runner = CliRunner()
    database = tmp_path / "c.sqlite"
    for report in ("missing/c.html", ""):
        result = runner.invoke(main, ["study", "run", str(small_study), "--db", str(database),
                                      "--report", report])
        assert result.exit_code == 2 and result.output.startswith(("Error", "Usage"))
        assert not database.exists()
    result = runner.invoke(main, ["study", "run", str(small_study), "--db", str(database),
                                  "--no-progress"])
    assert result.exit_code == 0, result.output
    names = {path.name for path in tmp_path.iterdir()}
    assert {"c.sqlite", "c.html"} <= names and not {"c.sqlite-wal", "c.sqlite-shm"} & names
    runner.invoke(main, ["study", "show", str(small_study), "--db", str(database)])
    assert {path.name for path in tmp_path.iterdir()} == names  # the reader created nothing


@pytest.mark.parametrize("needed", [True, False])
def test_kernels_compile_once_before_any_cell_is_timed(small_study, tmp_path, monkeypatch,
                                                       needed):
    from mlplab.fast import epochs, warmup
    from mlplab.study import cell as cell_module

    if not epochs.available():
        pytest.skip("numba is not installed: nothing to compile")
    events = []
    monkeypatch.setattr(warmup, "needs_compiling", lambda: needed)
    asked = []
    monkeypatch.setattr(warmup, "compile_kernels",
                        lambda dtypes: events.append("compile") or asked.append(dtypes))
    monkeypatch.setattr(warmup, "announce", lambda: events.append("notice"))
    run_cell = cell_module.run_cell
    monkeypatch.setattr(cell_module, "run_cell", lambda c: events.append("cell") or run_cell(c))
    from mlplab.study import together

    monkeypatch.setattr(together, "run_cell", cell_module.run_cell)  # as together calls it
    run_study(load_study(small_study), database=tmp_path / "w.sqlite", jobs=1)
    expected = ["notice", "compile"] if needed else []
    assert events[:len(expected)] == expected and "cell" in events
    assert "compile" not in events[len(expected):]  # once, before the first cell
    assert asked == ([("float64",)] if needed else [])  # only what the cells train in
