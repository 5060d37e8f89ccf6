"""The built-in studies: shipped in the package, run by name from any folder, copied out."""

import sqlite3
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlplab.cli import main
from mlplab.errors import InvalidInputError
from mlplab.study import StudyError, builtin_path, builtin_studies, copy_builtin, load_study
from mlplab.study import builtin as builtin_module
from mlplab.study.runner import default_database

NAMES = ["seeds", "e1", "e2", "e3", "e3_relu", "e4", "e5"]
TINY = '''
[study]
name = "tiny"
seeds = 2
metrics = ["accuracy"]

[[datasets]]
name = "moons"
generator = "moons"
params = { n_samples = 60, noise = 0.2, random_state = 0 }

[[models]]
name = "knn"
baseline = "knn"

[[models]]
name = "net"
hidden_layer_sizes = [3]
epochs = 3
'''


@pytest.fixture
def tiny_builtins(tmp_path, monkeypatch):
    """Built-in studies replaced by a tiny one (``tiny``) and one that includes it."""
    folder = tmp_path / "package" / "studies"
    folder.mkdir(parents=True)
    (folder / "tiny.toml").write_text(TINY)
    (folder / "both.toml").write_text('include = ["tiny.toml"]\n[study]\nname = "both"\n')
    monkeypatch.setattr(builtin_module, "builtin_folder", lambda: folder)
    return folder


@pytest.fixture
def empty_folder(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_reference_studies_are_built_in_including_first():
    assert list(builtin_studies()) == NAMES
    includes = tomllib.loads(builtin_path("seeds").read_text())["include"]
    assert sorted(name.removesuffix(".toml") for name in includes) == sorted(NAMES[1:])


@pytest.mark.parametrize("name", NAMES)
def test_each_built_in_study_loads_by_name_from_any_folder(name, empty_folder):
    spec = load_study(name)
    assert spec.path == str(builtin_path(name))
    assert spec.cells()
    assert default_database(spec).resolve() == empty_folder / f"{name}.sqlite"


def test_the_seed_study_is_its_parts():
    seeds = load_study("seeds")
    assert [part.name for part in seeds.parts] == [load_study(n).name for n in NAMES[1:]]
    # its includes resolve beside it, inside the package
    assert [Path(part.path) for part in seeds.parts] == [builtin_path(n) for n in NAMES[1:]]
    assert len(seeds.cells()) == sum(len(load_study(n).cells()) for n in NAMES[1:])


def test_an_unknown_name_lists_the_built_in_studies_and_suggests_one(empty_folder):
    with pytest.raises(StudyError, match=r"no built-in study 'seed'; built-in: seeds, e1, e2, "
                                         r"e3, e3_relu, e4, e5\. Did you mean 'seeds'\?"):
        load_study("seed")
    result = CliRunner().invoke(main, ["study", "run", "e3relu"])
    assert result.exit_code == 2
    assert "no built-in study 'e3relu'; built-in: seeds, e1" in result.output
    assert "Did you mean 'e3_relu'?" in result.output


def test_a_file_of_that_name_wins_and_a_path_is_a_path(empty_folder):
    (empty_folder / "e1").write_text(TINY)
    assert load_study("e1").name == "tiny"
    (empty_folder / "e2").mkdir()  # a folder is no study file: the built-in study runs
    assert load_study("e2").name == load_study(builtin_path("e2")).name
    with pytest.raises(StudyError, match=r"studies/seeds\.toml: no such study file\. The "
                                         r"reference studies are built in: run it by name, "
                                         r"mlplab study run seeds"):
        load_study("studies/seeds.toml")  # a clone's old path names its replacement


def test_run_by_name_writes_the_database_and_report_in_the_current_folder(
        tiny_builtins, empty_folder):
    result = invoke("study", "run", "tiny", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "report: tiny.html" in result.output
    assert sorted(p.name for p in empty_folder.iterdir()) == ["tiny.html", "tiny.sqlite"]
    assert list(tiny_builtins.iterdir()) != [] and not list(tiny_builtins.glob("*.sqlite"))
    with sqlite3.connect(empty_folder / "tiny.sqlite") as connection:
        statuses = connection.execute("SELECT status FROM cells").fetchall()
    assert statuses == [("done",)] * 4  # knn once per seed (its data's split varies), net twice
    assert "<html" in (empty_folder / "tiny.html").read_text().lower()
    shown = invoke("study", "show", "tiny")
    assert shown.exit_code == 0 and "knn" in shown.output and "net" in shown.output
    report = invoke("study", "report", "tiny", "--format", "markdown")
    assert report.exit_code == 0 and (empty_folder / "tiny.md").is_file()


def test_run_by_name_with_out_puts_both_in_that_folder(tiny_builtins, empty_folder):
    result = invoke("study", "run", "both", "--no-progress", "--out", "results")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (empty_folder / "results").iterdir()) == [
        "both.html", "both.sqlite"]
    listed = invoke("study", "list", "--db", "results/both.sqlite")
    assert listed.exit_code == 0
    lines = [line for line in listed.output.splitlines() if "both" in line or "tiny" in line]
    assert [line.split("│")[3].strip() for line in lines] == ["4", "4"]  # parts counted above


def test_out_must_name_a_folder(tiny_builtins, empty_folder):
    (empty_folder / "notes.txt").write_text("a file\n")
    for out, message in (("", "'' is not a folder name"), ("notes.txt", "is a file")):
        result = CliRunner().invoke(main, ["study", "run", "tiny", "--out", out])
        assert result.exit_code == 2 and message in result.output
    assert sorted(p.name for p in empty_folder.iterdir()) == ["notes.txt"]


def test_list_builtin_shows_name_title_and_cells(tiny_builtins):
    result = invoke("study", "list", "--builtin")
    assert result.exit_code == 0, result.output
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in result.output.splitlines() if line.startswith("│")]
    assert rows == [["both", "both", "4"], ["tiny", "tiny", "4"]]


def test_list_builtin_of_the_shipped_studies():
    result = invoke("study", "list", "--builtin")
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in result.output.splitlines() if line.startswith("│")]
    assert rows == [[name, load_study(name).name, str(len(load_study(name).cells()))]
                    for name in NAMES]
    assert rows[0][2] == str(sum(int(row[2]) for row in rows[1:]))


def test_list_needs_exactly_one_of_db_and_builtin(tmp_path):
    for args in ([], ["--builtin", "--db", str(tmp_path / "x.sqlite")]):
        result = CliRunner().invoke(main, ["study", "list", *args])
        assert result.exit_code == 2 and "give one of --db DB" in result.output


def test_init_copies_a_study_and_what_it_includes(empty_folder):
    result = invoke("study", "init", "seeds", "mine")
    assert result.exit_code == 0, result.output
    copied = sorted(p.name for p in (empty_folder / "mine").iterdir())
    assert copied == sorted(f"{name}.toml" for name in NAMES)
    for name in NAMES:
        assert (empty_folder / "mine" / f"{name}.toml").read_bytes() == \
            builtin_path(name).read_bytes()
    assert "run it with: mlplab study run mine/seeds.toml" in result.output
    copy = load_study("mine/seeds.toml")  # the includes resolve beside the copy
    assert [Path(part.path).resolve() for part in copy.parts] == [
        empty_folder / "mine" / f"{name}.toml" for name in NAMES[1:]]


def test_init_to_a_file_name_and_its_default_folder(empty_folder):
    written = copy_builtin("e4", "my_study.toml")
    assert [path.resolve() for path in written] == [empty_folder / "my_study.toml"]
    assert load_study("my_study.toml").name == load_study("e4").name
    assert invoke("study", "init", "e5").exit_code == 0
    assert (empty_folder / "e5.toml").read_bytes() == builtin_path("e5").read_bytes()


def test_init_refuses_to_overwrite_and_writes_nothing(empty_folder):
    (empty_folder / "e3.toml").write_text("# my edits\n")
    result = CliRunner().invoke(main, ["study", "init", "seeds"])
    assert result.exit_code == 2
    assert "e3.toml already exists; nothing was written" in result.output
    assert "--force" in result.output and "another destination" in result.output
    assert sorted(p.name for p in empty_folder.iterdir()) == ["e3.toml"]
    assert (empty_folder / "e3.toml").read_text() == "# my edits\n"
    assert invoke("study", "init", "seeds", "--force").exit_code == 0
    assert (empty_folder / "e3.toml").read_bytes() == builtin_path("e3").read_bytes()


def test_init_beside_a_database_of_that_name_says_the_results_would_mix(empty_folder):
    (empty_folder / "e4.sqlite").write_bytes(b"")
    result = CliRunner().invoke(main, ["study", "init", "e4"])
    assert result.exit_code == 0
    assert "Note: e4.sqlite exists" in result.output
    assert "mlplab study init e4 my_e4.toml" in result.output
    assert "Note:" not in invoke("study", "init", "e4", "my_e4.toml").output


def test_init_into_a_file_that_is_no_study_file(empty_folder):
    (empty_folder / "notes.txt").write_text("a file\n")
    with pytest.raises(InvalidInputError, match="'notes.txt' is a file; give a folder or a "
                                                r"\.toml file name"):
        copy_builtin("e4", "notes.txt")


def test_init_of_an_unknown_name(empty_folder):
    with pytest.raises(StudyError, match="no built-in study 'e9'"):
        copy_builtin("e9")
    with pytest.raises(InvalidInputError, match="already exist"):
        copy_builtin("e1")
        copy_builtin("e1")


def test_running_a_built_in_study_beside_a_copy_says_which_ran(tiny_builtins, empty_folder):
    (empty_folder / "tiny.toml").write_text(TINY.replace('"tiny"', '"edited"', 1))
    result = CliRunner().invoke(main, ["study", "run", "tiny", "--no-progress"])
    assert result.exit_code == 0
    assert "Note: this is the built-in study 'tiny'; to use your tiny.toml" in result.output


@pytest.mark.slow
def test_e1_runs_by_name_from_an_empty_folder(empty_folder):
    result = invoke("study", "run", "e1", "--no-progress", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "60 cells: 0 already done, 60 run now (0 failed)" in result.output
    assert (empty_folder / "e1.html").stat().st_size > 10_000
    assert (empty_folder / "e1.sqlite").is_file()
