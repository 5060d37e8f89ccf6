"""The ``mlplab`` command fuzzed: generated argument lists for every command, run in-process.

Whatever the arguments, a command exits with 0, 1 or 2, never with a traceback
(nor a raw ``file.py:line`` warning); a failure says ``Usage: ...`` or
``Error: ...``; a user error (exit code 2) creates no file. Options and their
types are read from the click commands themselves, so a new option is fuzzed
without a change here. Training stays tiny (at most 2 epochs, a few dozen
points, small layers) and runs on the NumPy engine (``fit(engine="numpy")``), so
no numba compilation counts against the time.
"""

import re
import shlex
import shutil
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st

from mlplab.cli import main
from mlplab.engine.model import Sequential
from mlplab.study import load_study, run_study


def leaf_commands(group, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


COMMANDS = dict(leaf_commands(main))

TINY_STUDY = """
[study]
name = "tiny"
seeds = 1
[[datasets]]
name = "moons"
generator = "moons"
params = { n_samples = 40, noise = 0.2, random_state = 0 }
[[models]]
name = "knn"
baseline = "knn"
"""

# What a path option may name, inside each example's fresh folder (see ``originals``).
PATHS = ["tiny.toml", "bad.toml", "tiny.sqlite", "model.npz", "truncated.npz", "junk.bin",
         "empty", "notes.txt", "folder", "missing.npz", "missing/out.png", "out.png", "out.svg",
         "out.gif", "out.html", "out.avi", "out.npz", "out.sqlite", "out.md", "", ".", "-"]


def is_a_number(text):
    try:
        float(text)  # also int() of "1_000" or "٣"
    except ValueError:
        return False
    return True


# Random words, but never a number: a number in the wrong place (--epochs 88888) could
# train for minutes; the numbers come from the lists below. No NUL: argv strings end at it.
TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]),
               max_size=12).filter(lambda text: not is_a_number(text))

# Per option: values that work (cheap ones: a valid run stays tiny) and values that do not.
# Options not listed draw from their click type; paths come from PATHS.
GOOD, BAD = {}, {}
for name, good, bad in [
    ("dataset", "moons circles xor spirals blobs", "mons iris gauss"),
    ("n_samples", "20 30 40", f"-1 0 1 2 7 {10**15} {2**63} many"),
    ("layers_text", "2,3,1 2,4,3,1 2,1 2,4,3 2,5,2",
     f"2 2,,1 x 2,0,1 2,-1,1 3,4,1 2,99999999999,1 2,98,98,1 2,{2**70},1 {'2,' * 30}1"),
    ("activation", "relu tanh sigmoid linear elu leaky_relu", "rleu softmax"),
    ("output_activation", "sigmoid softmax linear", "relu nope"),
    ("loss", "mse binary_crossentropy categorical_crossentropy", "hinge"),
    ("optimizer", "sgd adam rmsprop adagrad", "adamw"),
    ("learning_rate", "0.01 0.1 1e-4 10 1e300", "nan inf -inf -1 0 1e400 0x10"),
    ("momentum", "0 0.5 0.9", "nan inf -1 1 5"),
    ("noise", "0 0.1 0.3", "nan inf -1 1e300"),
    ("test_size", "0.2 0.5", "nan 0 1 -0.1 2 1e-300"),
    ("batch_text", "full none 1 8 32", f"0 -1 {10**12} lots"),
    ("epochs", "1 2", "-3 -1 0 1.5"),  # never more: the defaults train for 300 epochs
    ("seed", "0 1 7", f"-1 {2**32} {2**70}"),
    ("dtype", "float64 float32", "float16 int"),
    ("every", "1 2", f"-1 0 {10**12}"),
    ("frames", "1 2 3", f"-1 0 {10**9}"),
    ("fps", "1 10", "-1 0 101"),
    ("resolution", "2 5 8", f"-1 0 1 1001 {10**6}"),
    ("dpi", "10 20 40", f"-1 0 9 1201 {10**6}"),
    ("kind", "boundary probability neurons network history collapse", "pie"),
    ("jobs", "1", "-1 0 two"),  # 2 and more would start a process pool
    ("executor", "process", "spark"),  # dask would start a cluster
    ("fmt", "html markdown csv", "pdf"),
    ("port", "", "-1 0 65536 http"),  # the playground must never start: see command_lines
    ("idle_seconds", "1 600", "0 -1 nan"),
    ("study_file", "tiny.toml", ""),
    ("database", "tiny.sqlite out.sqlite", ""),
    ("model_path", "model.npz", "truncated.npz junk.bin"),
    ("out", "out.png out.svg out.gif out.html out.md out.csv", "out.avi missing/out.png"),
    ("animate out", "out.gif out.html", "out.png out.avi missing/out.gif"),
    ("plot out", "out.png out.svg", "out.gif out.avi missing/out.png"),
    ("save_path", "out.npz", "missing/out.npz"),
    ("report_path", "out.html", "missing/out.html"),
    ("data_dirs", "folder", "missing"),
]:
    GOOD[name], BAD[name] = good.split(), bad.split()


def values(param, command=""):
    """A strategy of command-line values for one click parameter: mostly ones that work."""
    key = f"{command} {param.name}" if f"{command} {param.name}" in GOOD else param.name
    good, bad = GOOD.get(key, []), BAD.get(key, [])
    if isinstance(param.type, click.Path):
        bad = [*bad, *PATHS]
    elif isinstance(param.type, click.Choice):
        good = good or list(param.type.choices)
    elif isinstance(param.type, click.types.FloatParamType):
        bad = bad or ["nan", "inf", "-1", "0", "1e400", "x"]
    elif isinstance(param.type, click.types.IntParamType):
        bad = bad or ["-3", "0", str(2**63), "1e3", "x"]
    wrong = st.sampled_from(bad) | TEXT if bad else TEXT
    if not good:
        return wrong
    return st.integers(0, 4).flatmap(lambda k: st.sampled_from(good) if k else wrong)


# Put first, so that a generated value of the same option wins: the defaults train for
# 300 epochs on 1000 points and draw 60 frames of 100 x 100 grids for 16 neurons.
CHEAP = {"epochs": "1", "n_samples": "30", "frames": "2", "resolution": "5", "dpi": "20",
         "layers_text": "2,2,1"}
# Pictures take a second to draw: outside their own test, these commands get one of these
# last (so it wins), and fail before drawing.
PICTURE_COMMANDS = {("plot",), ("animate",)}
FAILS = [("--epochs", "0"), ("--n-samples", "0"), ("--layers", "2,0,1"), ("--dtype", "int"),
         ("--test-size", "2"), ("--learning-rate", "nan"), ("--optimizer", "adamw"),
         ("--out", "out.avi"), ("--batch-size", "0")]


@st.composite
def command_lines(draw, names=None, draw_pictures=False):
    """A command and a few of its options, with values drawn per option."""
    name = draw(st.sampled_from(sorted(names or COMMANDS)))
    command = COMMANDS[name]
    args = list(name)
    for param in command.params:
        if param.name in CHEAP:
            args += [param.opts[0], CHEAP[param.name]]
        elif isinstance(param, click.Argument):
            args.append(draw(values(param, name[-1])))
    options = [p for p in command.params if isinstance(p, click.Option)]
    for param in draw(st.lists(st.sampled_from(options), max_size=6)) if options else []:
        flag = draw(st.sampled_from(param.opts + param.secondary_opts))
        args += [flag] if param.is_flag else [flag, draw(values(param, name[-1]))]
    for param in options:
        if param.required and not set(param.opts) & set(args):
            args += [param.opts[0], draw(values(param, name[-1]))]
    if name == ("playground",):
        args += ["--port", "0"]  # last, so it wins: a usage error before any server starts
    if name in PICTURE_COMMANDS and not draw_pictures:
        args += draw(st.sampled_from(FAILS))
    return args


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """The files each example's folder starts with: valid ones and broken ones."""
    folder = tmp_path_factory.mktemp("originals")
    (folder / "tiny.toml").write_text(TINY_STUDY)
    (folder / "bad.toml").write_text("[study\nname = 1\n")
    run_study(load_study(folder / "tiny.toml"), database=folder / "tiny.sqlite")
    model = Sequential.from_spec([2, 3, 1], random_state=0).build()
    model.compile()
    model.save(folder / "model.npz")
    data = (folder / "model.npz").read_bytes()
    (folder / "truncated.npz").write_bytes(data[: len(data) // 2])
    (folder / "junk.bin").write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 300,
                                                                              dtype=np.uint8)))
    (folder / "empty").write_bytes(b"")
    (folder / "notes.txt").write_text("not a model, a database or a study\n")
    (folder / "folder").mkdir()
    return folder


@pytest.fixture(scope="module", autouse=True)
def numpy_engine():
    """Train with fit(engine="numpy"): the same CLI paths without numba compiling kernels."""
    fit = Sequential.fit

    def fit_on_numpy(self, *args, **kwargs):
        kwargs.setdefault("engine", "numpy")
        return fit(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Sequential, "fit", fit_on_numpy)
        yield


def files_in(folder):
    return {(str(p.relative_to(folder)), p.stat().st_size if p.is_file() else -1)
            for p in folder.rglob("*")}


def run_in_fresh_folder(originals, args, junk=b""):
    """Run ``mlplab ARGS`` in a folder holding copies of the originals; check the result."""
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=originals.parent) as place:
        folder = Path(place)
        shutil.copytree(originals, folder, dirs_exist_ok=True)
        (folder / "junk.bin").write_bytes(junk or (originals / "junk.bin").read_bytes())
        before = files_in(folder)
        result = runner.invoke(main, args)
        event(f"{args[0] if args else '-'} exit {result.exit_code}")
        check(args, result, created=files_in(folder) - before)
        if result.exit_code == 0:
            check_success(args, result, folder)
    return result


def check(args, result, created):
    where = f"mlplab {shlex.join(args)}\n--- exit {result.exit_code}:\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{where}\n{type(result.exception).__name__}: {result.exception}"
    assert result.exit_code in (0, 1, 2), where
    assert "Traceback" not in result.output, where
    assert not re.search(r"\.py:\d+", result.output), where  # a raw warning
    assert "try learning_rate=inf" not in result.output, where
    if result.exit_code:
        assert re.search(r"^(Usage|Error): ", result.stderr, re.MULTILINE), where
    if result.exit_code == 2:
        assert not created, f"{where}\ncreated {sorted(created)}"


def check_success(args, result, folder):
    """What a command says it did, it did: accuracies in [0, 1], the files it wrote exist."""
    where = f"mlplab {shlex.join(args)}\n{result.output}"
    for accuracy in re.findall(r"accuracy\s*│\s*(\S+)", result.stdout):
        assert 0 <= float(accuracy) <= 1, where
    if {"--version", "--help", "-h"} & set(args):  # eager: they exit before any command runs
        return
    for flag in ("--out", "--save", "--report"):
        given = option_values(args, flag)
        if given:  # the last one given is the one used
            written = folder / given[-1]
            if args[:2] == ["study", "run"] and flag == "--out":  # the db's and report's folder
                assert written.is_dir() or option_values(args, "--db"), where
                continue
            assert written.is_file() and written.stat().st_size, where


TAKE_VALUES = {flag for command in COMMANDS.values() for p in command.params
               if isinstance(p, click.Option) and not p.is_flag for flag in p.opts}


def option_values(args, flag):
    """The values given to ``flag``, read as click reads ``args`` (up to a ``--``)."""
    found, index = [], 0
    while index < len(args) and args[index] != "--":
        if args[index] in TAKE_VALUES and index + 1 < len(args):
            if args[index] == flag:
                found.append(args[index + 1])
            index += 1
        index += 1
    return found


@settings(max_examples=200)
@given(args=command_lines())
def test_every_command_with_generated_options(originals, args):
    run_in_fresh_folder(originals, args)


@settings(max_examples=12)
@given(args=command_lines(names=PICTURE_COMMANDS, draw_pictures=True))
def test_picture_commands_with_generated_options(originals, args):
    run_in_fresh_folder(originals, args)


@settings(max_examples=100)
@given(args=command_lines(names=[n for n in COMMANDS if n[0] in ("study", "plot")]),
       junk=st.binary(max_size=200))
def test_file_commands_on_existing_missing_and_junk_files(originals, args, junk):
    run_in_fresh_folder(originals, args, junk)


WORDS = sorted({word for name in COMMANDS for word in name} | {"--help", "--version", "-h", "--"}
               | {flag for command in COMMANDS.values() for p in command.params
                  for flag in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])
                  if flag.startswith("-")})


@settings(max_examples=150)
@given(args=st.lists(st.sampled_from(WORDS) | TEXT | st.sampled_from(PATHS), max_size=6))
def test_arbitrary_words_in_any_order(originals, args):
    if {"train", "animate", "plot"} & set(args):
        args = [*args, "--epochs=0"]  # nothing trains or draws
    if "playground" in args:
        args = [*args, "--port=0"]
    run_in_fresh_folder(originals, args)
