import pytest
from click.testing import CliRunner

from mlplab.cli import main
from mlplab.study import StudyError, load_study

BASE = '''
[study]
name = "t"
seeds = 2

[[datasets]]
name = "moons"
generator = "moons"

[[models]]
name = "net"
hidden_layer_sizes = [4]
'''


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_shipped_study_loads(studies_dir):
    for path in sorted(studies_dir.glob("*.toml")):
        spec = load_study(path)
        assert spec.cells(), path


def test_grids_and_restrictions_expand_into_cells(small_study):
    spec = load_study(small_study)
    cells = spec.cells()
    # 2 datasets x (rbf: 2 values of C + knn + net) x 2 seeds
    assert len(cells) == 2 * 4 * 2
    assert {c["params"].get("C") for c in cells if c["model"] == "rbf"} == {0.5, 2.0}
    assert len({c["key"] for c in cells}) == len(cells)
    assert all(c["figures"] == (["boundary"] if c["seed"] == 0 else []) for c in cells)


@pytest.mark.parametrize("text,message", [
    (BASE + "epochs = \n", "not valid TOML: .*line 13"),
    (BASE + "learnin_rate = 0.1\n", "unknown setting 'learnin_rate'. Did you mean "
                                    "'learning_rate'"),
    (BASE + "epochs = -5\n", r"\[\[models\]\] #1 \('net'\): epochs=-5: must be a positive int"),
    (BASE + "activation = 'rleu'\n", "Did you mean 'relu'"),
    (BASE.replace('generator = "moons"', 'generator = "mons"'), "Did you mean 'moons'"),
    (BASE.replace('generator = "moons"', 'csv = "missing.csv"'), "no file .*missing.csv"),
    (BASE + '\n[[models]]\nname = "x"\nbaseline = "svc_rfb"\n', "Did you mean 'svc_rbf'"),
    (BASE + '\n[[models]]\nname = "x"\nbaseline = "svc_rbf"\nparams = { c = 1 }\n',
     "has no parameter c. Did you mean 'C'"),
    (BASE.replace("seeds = 2", "seeds = -1"), r"\[study\] seeds"),
    (BASE.replace("seeds = 2", "seed = 2"), "unknown key 'seed'. Did you mean 'seeds'"),
    (BASE + '\n[split]\ntest = 1.5\n', r"\[split\] test: got 1.5"),
    (BASE + '\n[[references]]\ndataset = "moons"\nmodel = "nett"\nmetric = "accuracy"\n'
            'value = 0.9\n', "'nett' is not one of this study's models"),
])
def test_bad_study_files_name_the_file_and_the_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(StudyError, match=message) as info:
        load_study(path)
    assert str(path) in str(info.value)


def test_the_cli_exits_2_on_a_bad_study_file(tmp_path):
    path = write(tmp_path, BASE + "epochs = -5\n")
    result = CliRunner().invoke(main, ["study", "run", str(path)])
    assert result.exit_code == 2
    assert "epochs=-5" in result.output and str(path) in result.output
    result = CliRunner().invoke(main, ["study", "run", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "no such study file" in result.output
