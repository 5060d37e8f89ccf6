import os

import pytest
from click.testing import CliRunner

from mlplab.cli import main
from mlplab.errors import InvalidInputError, InvalidTypeError
from mlplab.study import StudyError, load_study
from mlplab.study.cell import load_dataset

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


NET = '[[models]]\nname = "net"\nhidden_layer_sizes = [4]\n'
CSV_STUDY = BASE.replace('generator = "moons"', 'csv = "{csv}"')


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def write_csv(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("0,0,0\n1,1,1\n0,1,1\n1,0,0\n")
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
    (BASE + "epochs = -5\n", r"\[\[models\]\] #1 \('net'\): .*epochs=-5.*must be a positive int"),
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


# Each names the table and the key, what was received and what is allowed.
@pytest.mark.parametrize("text,message", [
    ("datasets = [1]\n" + NET, r"the top level datasets: got \[1\] \(a list of an int\); "
                               r"expected a list of tables, e.g. \[\[datasets\]\]"),
    ("models = [1]\n" + BASE.replace(NET, ""), r"the top level models: got \[1\] .*list of tab"),
    ("references = 5\n" + BASE, r"the top level references: got 5 \(an int\); expected a "
                                r"list of tables"),
    ("include = [1]\n", r"the top level include: got \[1\] .*expected a list of strings"),
    ("include = 'e1.toml'\n", r"the top level include: got 'e1.toml' \(a string\)"),
    ("study = 3\n" + BASE.replace("[study]\nname = \"t\"\nseeds = 2\n", ""),
     r"the top level study: got 3 \(an int\); expected a table"),
    (BASE.replace('generator = "moons"', "csv = 5"),
     r"\[\[datasets\]\] #1 csv: got 5 \(an int\); expected a string, e.g. csv = \"points"),
    (BASE.replace('generator = "moons"', 'generator = "moons"\nparams = 5'),
     r"\[\[datasets\]\] #1 params: got 5 \(an int\); expected a table"),
    (BASE.replace('name = "net"', "name = [1]"),
     r"\[\[models\]\] #1 name: got \[1\] \(a list of an int\); expected a non-empty string"),
    (BASE.replace('name = "moons"', "name = {a = 1}"), r"\[\[datasets\]\] #1 name: got \{'a'"),
    (BASE.replace('name = "net"', 'name = " "'), r"\[\[models\]\] #1 name: got ' '"),
    (BASE + '[[models]]\nname = "b"\nbaseline = "knn"\nparams = [1]\n',
     r"\[\[models\]\] #2 params: got \[1\] \(a list of an int\); expected a table"),
    (BASE + '[[models]]\nname = "b"\nbaseline = 3\n', r"#2 baseline: got 3 .*a string"),
    (BASE.replace('name = "t"', "name = true"),
     r"\[study\] name: got true \(true/false\); expected a non-empty string"),
    (BASE.replace("seeds = 2", "seeds = 2.0"), r"\[study\] seeds: got 2.0 \(a float\); "
                                               r"expected an int or a list of ints"),
    (BASE.replace("seeds = 2", "seeds = true"), r"\[study\] seeds: got true"),
    (BASE.replace("seeds = 2", "seeds = [0, false]"), r"\[study\] seeds: got \[0, False\]"),
    (BASE.replace("seeds = 2", "seeds = 10000000000"), r"\[study\] seeds: got 10000000000; "
                                                       r"give a count .*at most 10,000"),
    (BASE.replace("seeds = 2", "seeds = [1, 1]"), r"\[study\] seeds: .*a list of distinct"),
    (BASE.replace("seeds = 2", "seeds = [4294967296]"), r"\[study\] seeds: .*in \[0, 2\*\*32\)"),
    (BASE.replace("seeds = 2", "metrics = 'accuracy'"), r"\[study\] metrics: got 'accuracy' "
                                                        r"\(a string\); expected a list of str"),
    (BASE.replace("seeds = 2", "figures = [1]"), r"\[study\] figures: got \[1\]"),
    (BASE + "\n[split]\ntest = true\n", r"\[split\] test: got true \(true/false\); expected "
                                         r"a number, e.g. test = 0.2"),
    (BASE + "\n[split]\nstratify = 1\n", r"\[split\] stratify: got 1 \(an int\); expected "
                                          r"true or false"),
    (BASE + "\n[split]\nrandom_state = -1\n", r"\[split\] random_state: got -1; give an int"),
    (BASE + "\n[split]\nrandom_state = '1'\n", r"\[split\] random_state: got '1' \(a str"),
    (BASE + "\n[split]\ntests = 0.2\n", r"\[split\]: unknown key 'tests'. Did you mean 'test'"),
    (BASE.replace('generator = "moons"', 'generator = "moons"\nlabel_column = "y"'),
     r"#1 label_column: got 'y' \(a string\); expected an int"),
    (BASE.replace('generator = "moons"', 'generator = "moons"\nlabel_column = 0'),
     r"#1 \('moons'\) label_column: label_column is for a csv data set"),
    (BASE.replace('generator = "moons"', 'generator = "moons"\nfeatures = "x1"'),
     r"#1 features: got 'x1' \(a string\); expected a list of strings"),
    (BASE.replace('generator = "moons"', 'generator = "moons"\ngenrator = 1'),
     r"\[\[datasets\]\] #1: unknown key 'genrator'. Did you mean 'generator'"),
    (BASE.replace('name = "moons"\n', ""), r"\[\[datasets\]\] #1: missing 'name'"),
    (BASE.replace('name = "net"', 'name = "net"\ntask = 1'), r"#1 task: got 1 .*a string"),
    (BASE.replace('name = "net"', 'name = "net"\ndatasets = "moons"'),
     r"#1 datasets: got 'moons' \(a string\); expected a list of strings"),
    (BASE.replace('name = "net"', 'name = "net"\nlearning_rate = [ ]'),
     r"#1 \('net'\) learning_rate: got \[\], a grid of no values"),
    (BASE.replace('name = "net"', 'name = "net"\nlearning_rate = [0.1, 0.2, 0.1]'),
     r"#1 \('net'\) learning_rate: two grid values are '0.1'; each must be unique"),
    (BASE.replace("hidden_layer_sizes = [4]", "hidden_layer_sizes = [[], []]"),
     r"#1 \('net'\) hidden_layer_sizes: two grid values are '\[\]'"),
    (BASE + '[[models]]\nname = "b"\nbaseline = "svc_rbf"\nparams = { C = "big" }\n',
     r"#2 \('b'\): The 'C' parameter of SVC must be a float"),
    (BASE + '[[references]]\ndataset = "moons"\nmodel = "net"\nmetric = "accuracy"\n'
            'value = "high"\n', r"\[\[references\]\] #1 value: got 'high' \(a string\); "
                                 r"expected a number"),
    (BASE + '[[references]]\ndataset = "moons"\nmodel = "net"\nmetric = "acuracy"\n'
            'value = 0.9\n', r"#1 metric: unknown 'acuracy'. Did you mean 'accuracy'"),
    (BASE + '[[references]]\ndataset = "moons"\nmodel = "net"\nvalue = 0.9\n',
     r"\[\[references\]\] #1: missing 'metric'"),
    (BASE + '[[references]]\ndataset = ["moons"]\nmodel = "net"\nmetric = "accuracy"\n'
            'value = 0.9\n', r"#1 dataset: got \['moons'\] \(a list of a string\)"),
    # values that no key takes, wherever they are
    (BASE.replace('name = "net"', 'name = "net"\nlearning_rate = nan'),
     r"\[\[models\]\] #1 learning_rate: got nan; a study takes finite numbers only"),
    (BASE + "\n[split]\ntest = inf\n", r"\[split\] test: got inf; a study takes finite"),
    (BASE.replace('generator = "moons"', 'generator = "moons"\nparams = { noise = -inf }'),
     r"\[\[datasets\]\] #1 params.noise: got -inf"),
    (BASE.replace('name = "net"', 'name = "net"\nepochs = 1979-05-27'),
     r"#1 epochs: got the date/time 1979-05-27; no setting takes one"),
    (BASE.replace('name = "net"', 'name = "net"\nepochs = 99999999999999999999'),
     r"#1 epochs: got 99999999999999999999, beyond TOML's 64-bit integers"),
    (BASE.replace('name = "net"', 'name = "net"\nlr = [[1, nan]]'), r"#1 lr\[0\]\[1\]: got nan"),
    # sizes
    (BASE.replace("seeds = 2", "seeds = 10000").replace(
        "hidden_layer_sizes = [4]", "hidden_layer_sizes = [4]\nalpha = "
                                    "[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]"),
     r"the study: it has 110,000 cells .*the limit is 100,000"),
    # the file itself
    ("a = " + "[" * 3000 + "]" * 3000 + "\n", "not valid TOML: arrays or tables nested too "),
    ("[study]\nname = 'x'\nname = 'y'\n", "not valid TOML: .*line 3"),
])
def test_every_key_is_checked_for_its_type(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(StudyError, match=message) as info:
        load_study(path)
    assert str(info.value).startswith(f"{path}: ")


def test_the_study_file_itself(tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())  # a byte-order mark is fine
    assert load_study(path).name == "t"
    path.write_bytes(BASE.encode() + b"# caf\xe9\n")
    line = BASE.count("\n") + 1
    with pytest.raises(StudyError, match=rf"not a UTF-8 text file \(line {line} has the byte"):
        load_study(path)
    with pytest.raises(StudyError, match="a folder, not a study file"):
        load_study(tmp_path)
    with pytest.raises(StudyError, match="cannot be read: File name too long"):
        load_study(tmp_path / ("a" * 300))
    with pytest.raises(InvalidTypeError, match=r"load_study\(path=5\): give the study file"):
        load_study(5)


def test_includes_may_not_form_cycles(tmp_path):
    own = write(tmp_path, 'include = ["s.toml"]\n')
    with pytest.raises(StudyError, match=r"s.toml: include #1 \('s.toml'\): includes form a "
                                         r"cycle .*a study cannot include itself"):
        load_study(own)
    write(tmp_path, 'include = ["b.toml"]\n', "a.toml")
    (tmp_path / "sub").mkdir()
    write(tmp_path, 'include = ["sub/../c.toml"]\n', "b.toml")
    last = write(tmp_path, 'include = ["./a.toml"]\n', "c.toml")
    with pytest.raises(StudyError, match="includes form a cycle") as info:
        load_study(tmp_path / "a.toml")
    assert str(last) in str(info.value)  # the file whose include closes the cycle
    assert str(info.value).count(" -> ") == 3


def test_includes_are_checked(tmp_path):
    write(tmp_path, BASE, "one.toml")
    write(tmp_path, BASE.replace('name = "t"', 'name = "u"'), "sub/two.toml")
    spec = load_study(write(tmp_path, 'include = ["one.toml", "sub/two.toml"]\n'))
    assert [p.name for p in spec.parts] == ["t", "u"]
    for text, message in [
        ('include = ["one.toml", "./one.toml"]\n', r"include: two files are '.*one.toml'"),
        ('include = ["one.toml", "one.toml"]\n', "two files are"),
        ('include = []\n', r"the top level include: the list is empty"),
        ('include = ["none.toml"]\n', r"include #1 \('none.toml'\): no study file '.*none"),
        ('include = ["one.toml"]\n' + NET, r"the top level: unknown key 'models'"),
        ('include = ["one.toml"]\n[study]\nseeds = 3\n', r"\[study\]: unknown key 'seeds'"),
        ('include = ["a\\u0000b"]\n', r"include #1 \('a\\x00b'\): 'a\\x00b' is not a usable"),
        ('include = ["../out.toml"]\n', r"include #1 .*'../out.toml' \(that is '.*out.toml'\) "
                                        r"is outside this study's folder"),
    ]:
        with pytest.raises(StudyError, match=message):
            load_study(write(tmp_path, text, "combined.toml"))
    write(tmp_path, BASE, "two_t.toml")
    with pytest.raises(StudyError, match=r"two parts \(\[study\] name\) are 't'"):
        load_study(write(tmp_path, 'include = ["one.toml", "two_t.toml"]\n', "c2.toml"))
    write(tmp_path, BASE.replace("seeds = 2", "seeds = -2"), "sub/bad.toml")
    with pytest.raises(StudyError, match=r"sub/bad.toml: \[study\] seeds"):
        load_study(write(tmp_path, 'include = ["sub/bad.toml"]\n', "c3.toml"))


def test_csv_paths_are_relative_to_the_study_and_stay_in_its_folder(tmp_path):
    studies = tmp_path / "studies"
    write_csv(studies / "data" / "points.csv")
    spec = load_study(write(studies, CSV_STUDY.format(csv="data/points.csv")))
    cell = spec.cells()[0]
    X, y = load_dataset(cell["dataset_spec"], cell["seed"], cell["study_dir"])
    assert X.shape == (4, 2) and y.tolist() == [0, 1, 1, 0]
    outside = write_csv(tmp_path / "elsewhere" / "x.csv")
    for csv in ["../elsewhere/x.csv", str(outside), "/etc/passwd"]:
        path = write(studies, CSV_STUDY.format(csv=csv))
        with pytest.raises(StudyError, match=r"\[\[datasets\]\] #1 \('moons'\) csv: .* is "
                                             r"outside the study's folder .*pass --data-dir "
                                             r".* to mlplab study run \(in Python: load_study"
                                             r"\(..., data_dirs="):
            load_study(path)
    # allowed from the command line: --data-dir / data_dirs
    path = write(studies, CSV_STUDY.format(csv="../elsewhere/x.csv"))
    assert load_study(path, data_dirs=[outside.parent]).datasets[0].csv == "../elsewhere/x.csv"
    assert load_study(path, data_dirs=(str(tmp_path),)).datasets[0].csv == "../elsewhere/x.csv"
    with pytest.raises(StudyError, match="outside the study's folder"):
        load_study(path, data_dirs=[studies / "data"])


def test_symlinks_are_followed_before_the_folder_check(tmp_path):
    studies = tmp_path / "studies"
    outside = write_csv(tmp_path / "x.csv")
    studies.mkdir()
    (studies / "link.csv").symlink_to(outside)
    (studies / "inner.csv").symlink_to(write_csv(studies / "data" / "p.csv"))
    with pytest.raises(StudyError, match=r"'link.csv' \(that is '.*/x.csv'\) is outside"):
        load_study(write(studies, CSV_STUDY.format(csv="link.csv")))
    assert load_study(write(studies, CSV_STUDY.format(csv="inner.csv"))).datasets[0].csv
    assert load_study(write(studies, CSV_STUDY.format(csv="link.csv")), data_dirs=[tmp_path])
    for csv, message in [("missing/../inner.csv", "no file"), ("missing/../../x.csv", "outside")]:
        with pytest.raises(StudyError, match=message):  # as the OS resolves them
            load_study(write(studies, CSV_STUDY.format(csv=csv)))
    (studies / "loop.csv").symlink_to(studies / "loop.csv")
    with pytest.raises(StudyError, match="no file"):
        load_study(write(studies, CSV_STUDY.format(csv="loop.csv")))


def test_csv_files_are_read_when_the_study_loads(tmp_path):
    (tmp_path / "bad.csv").write_text("0,0,0\n1,1\n")
    with pytest.raises(StudyError, match=r"#1 \('moons'\) csv: .*bad.csv' line 2 has 2 cells"):
        load_study(write(tmp_path, CSV_STUDY.format(csv="bad.csv")))
    write_csv(tmp_path / "good.csv")
    text = CSV_STUDY.format(csv="good.csv").replace('csv = "good.csv"',
                                                     'csv = "good.csv"\nlabel_column = 7')
    with pytest.raises(StudyError, match=r"csv: label_column=7 is out of range"):
        load_study(write(tmp_path, text))
    text = CSV_STUDY.format(csv="good.csv").replace('csv = "good.csv"',
                                                     'csv = "good.csv"\nparams = { a = 1 }')
    with pytest.raises(StudyError, match=r"params: params are a generator's"):
        load_study(write(tmp_path, text))
    with pytest.raises(StudyError, match=r"csv: no file '.*none.csv'"):
        load_study(write(tmp_path, CSV_STUDY.format(csv="none.csv")))


@pytest.mark.parametrize("data_dirs,error,message", [
    ("data", InvalidTypeError, r"data_dirs='data'\): give a list of folders"),
    (5, InvalidTypeError, r"data_dirs=5\): give a list"),
    ([5], InvalidTypeError, r"5 is not a folder path"),
    (["missing-folder"], InvalidInputError, r"--data-dir / data_dirs: 'missing-folder' is not "),
])
def test_data_dirs_are_checked(tmp_path, data_dirs, error, message):
    with pytest.raises(error, match=message):
        load_study(write(tmp_path, BASE), data_dirs=data_dirs)


def test_data_dirs_may_be_relative_to_the_working_directory(tmp_path, monkeypatch):
    write_csv(tmp_path / "shared" / "x.csv")
    path = write(tmp_path, CSV_STUDY.format(csv="../shared/x.csv"), "studies/s.toml")
    monkeypatch.chdir(tmp_path)
    assert os.path.isdir("shared")
    assert load_study(path, data_dirs=["shared"]).datasets[0].csv == "../shared/x.csv"
    with pytest.raises(StudyError, match="outside the study's folder"):
        load_study(path, data_dirs=None)


def test_the_cli_exits_2_on_a_bad_study_file(tmp_path):
    path = write(tmp_path, BASE + "epochs = -5\n")
    result = CliRunner().invoke(main, ["study", "run", str(path)])
    assert result.exit_code == 2
    assert "epochs=-5" in result.output and str(path) in result.output
    result = CliRunner().invoke(main, ["study", "run", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "no such study file" in result.output
