"""A cell's seeds run together as one task: the same results as cells run one by one."""

import pytest

from mlplab.study import ResultStore, load_study, run_study
from mlplab.study import together as together_module
from mlplab.study.cell import run_cell, seed_free
from mlplab.study.together import run_cells, tasks, why_apart

STUDY = '''
[study]
name = "together"
seeds = 4
metrics = ["accuracy", "train_accuracy", "log_loss", "fit_time"]

[split]
test = 0.25
random_state = 3

[[datasets]]
name = "moons"
generator = "moons"
params = { n_samples = 120, noise = 0.2, random_state = 1 }

[[models]]
name = "wide net, full batch"
hidden_layer_sizes = [32, 32]       # 1185 weights: fit_many runs each seed's own epochs
activation = "tanh"
optimizer = "adam"
learning_rate = 0.01
alpha = 0.0
batch_size = "full"
epochs = 40

[[models]]
name = "net, shuffled batches"
hidden_layer_sizes = [8]
learning_rate = 0.02
alpha = 0.0
batch_size = 16
epochs = 10

[[models]]
name = "rbf"
baseline = "svc_rbf"

[[models]]
name = "tree"
baseline = "decision_tree"
'''


@pytest.fixture
def study_file(tmp_path):
    path = tmp_path / "together.toml"
    path.write_text(STUDY)
    return path


def without_times(result):
    return {"status": result["status"], "history": result["history"],
            "metrics": {k: v for k, v in result["metrics"].items() if k != "fit_time"}}


def results_by_key(database):
    with ResultStore(database) as store:
        return {row["key"]: without_times(row) for row in store.rows()}


def one_by_one(spec):
    return {cell["key"]: without_times(run_cell(cell)) for cell in spec.cells()}


def test_a_seed_free_baseline_runs_once_and_the_others_for_every_seed(study_file):
    cells = load_study(study_file).cells()
    counts = {model: sum(c["model"] == model for c in cells)
              for model in ("wide net, full batch", "net, shuffled batches", "rbf", "tree")}
    assert counts == {"wide net, full batch": 4, "net, shuffled batches": 4, "rbf": 1, "tree": 4}
    rbf = next(c for c in cells if c["model"] == "rbf")
    assert seed_free(rbf) and rbf["seed"] == 0
    drawn_anew = {**rbf, "split": {**rbf["split"], "random_state": None}}
    assert not seed_free(drawn_anew)  # each seed splits its own way


def test_tasks_are_a_groups_seeds_in_chunks(study_file):
    cells = load_study(study_file).cells()
    work = tasks(cells, seeds_per_task=3)
    assert [len(task) for task in work] == [3, 1, 3, 1, 1, 3, 1]
    for task in work:
        assert len({cell["group"] for cell in task}) == 1
        assert [cell["seed"] for cell in task] == sorted(cell["seed"] for cell in task)
    assert sorted(c["key"] for task in work for c in task) == sorted(c["key"] for c in cells)


def test_the_rule_for_training_together(study_file):
    cells = {c["model"]: c for c in load_study(study_file).cells()}
    assert why_apart(cells["wide net, full batch"]) is None
    assert "shuffled" in why_apart(cells["net, shuffled batches"])
    assert why_apart(cells["rbf"]) == "a baseline"
    early = {**cells["wide net, full batch"],
             "params": {**cells["wide net, full batch"]["params"], "n_iter_no_change": 5}}
    assert "n_iter_no_change=5" in why_apart(early)
    penalty = {**early, "params": {**early["params"], "n_iter_no_change": None, "alpha": 0.1}}
    assert "alpha=0.1" in why_apart(penalty)


@pytest.mark.numba  # without it the wide net's seeds are not grouped
def test_a_groups_seeds_train_in_one_fit_many_call_with_the_bits_of_separate_fits(
        study_file, monkeypatch):
    from mlplab.engine import many

    calls = []
    original = many.fit_many

    def counting(models, *args, **kwargs):
        calls.append(len(models))
        return original(models, *args, **kwargs)

    monkeypatch.setattr(many, "fit_many", counting)
    spec = load_study(study_file)
    for task in tasks(spec.cells()):
        results = run_cells(task)
        assert [without_times(r) for r in results] == [without_times(run_cell(c))
                                                      for c in task]
        assert [r["key"] for r in results] == [c["key"] for c in task]
    assert calls == [4]  # the wide net's four seeds; the shuffled net fits seed by seed


def test_a_diverging_seed_is_recorded_as_its_own_fit_records_it(study_file, monkeypatch):
    cells = [c for c in load_study(study_file).cells() if c["model"] == "wide net, full batch"]
    diverging = [{**c, "params": {**c["params"], "learning_rate": 1e6}} for c in cells[:2]]
    results = run_cells(diverging)
    alone = [run_cell(c) for c in diverging]
    assert [r["status"] for r in results] == [r["status"] for r in alone]
    assert [r.get("error") for r in results] == [r.get("error") for r in alone]


def test_a_group_that_fit_many_refuses_fits_seed_by_seed(study_file, monkeypatch):
    def refuse(*args, **kwargs):
        from mlplab.errors import InvalidInputError

        raise InvalidInputError("fit_many: no")

    from mlplab.engine import many

    monkeypatch.setattr(many, "fit_many", refuse)
    cells = [c for c in load_study(study_file).cells() if c["model"] == "wide net, full batch"]
    assert [without_times(r) for r in run_cells(cells)] == [without_times(run_cell(c))
                                                           for c in cells]
    assert together_module.SEEDS_PER_TASK >= len(cells)


def test_the_process_pool_gives_the_results_of_cells_run_one_by_one(study_file, tmp_path):
    spec = load_study(study_file)
    run_study(spec, database=tmp_path / "pool.sqlite", jobs=2, force_jobs=True)
    assert results_by_key(tmp_path / "pool.sqlite") == one_by_one(spec)


@pytest.mark.slow
def test_dask_gives_the_results_of_cells_run_one_by_one(study_file, tmp_path):
    pytest.importorskip("dask.distributed")
    spec = load_study(study_file)
    run_study(spec, database=tmp_path / "dask.sqlite", jobs=2, executor="dask")
    assert results_by_key(tmp_path / "dask.sqlite") == one_by_one(spec)
