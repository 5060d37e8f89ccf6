"""The ``mlplab`` command, driven for real (CliRunner and a subprocess)."""

import re
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import mlplab
from mlplab import data
from mlplab.cli import main
from mlplab.workflows import train_on_dataset

QUICK = ["train", "--dataset", "moons", "--layers", "2,8,8,1", "--activation", "tanh",
         "--epochs", "40"]


def run(args):
    return CliRunner().invoke(main, args)


def accuracy(output, which):
    return float(re.search(rf"{which} accuracy\s*│\s*([0-9.]+)", output).group(1))


def test_train_reports_accuracies_that_mean_something():
    result = run(QUICK)
    assert result.exit_code == 0, result.output
    assert "2-8-8-1" in result.output and "│ parameters       │     105 │" in result.output
    assert accuracy(result.output, "train") > 0.85
    assert accuracy(result.output, "test") > 0.85


def test_same_seed_same_output_and_another_seed_differs():
    first, second = run(QUICK + ["--seed", "3"]), run(QUICK + ["--seed", "3"])
    other = run(QUICK + ["--seed", "4"])
    assert first.output == second.output
    assert other.output != first.output


def test_save_writes_a_model_that_loads_and_predicts(tmp_path):
    path = tmp_path / "moons.npz"
    result = run(QUICK + ["--save", str(path), "--epochs", "5"])
    assert result.exit_code == 0 and str(path) in result.output
    model = mlplab.load(path)
    X, y = data.moons(n_samples=200, noise=0.2, random_state=1)
    assert model.predict(X).shape == (200, 1)
    assert model.evaluate(X, y)["accuracy"] > 0.6
    # The same training through the Python API gives the model that was saved.
    trained = train_on_dataset("moons", [2, 8, 8, 1], activation="tanh", epochs=5,
                               optimizer={"name": "adam", "learning_rate": 0.01})
    np.testing.assert_array_equal(model.predict(X), trained.model.predict(X))
    test_accuracy = model.evaluate(trained.parts.X_test, trained.parts.y_test)["accuracy"]
    assert f"{test_accuracy:.3f}" == f"{accuracy(result.output, 'test'):.3f}"


def test_multiclass_and_full_batch():
    result = run(["train", "--dataset", "blobs", "--layers", "2,16,3", "--epochs", "5",
                  "--batch-size", "full", "--optimizer", "sgd", "--momentum", "0.9"])
    assert result.exit_code == 0, result.output
    assert "2-16-3" in result.output


def test_user_errors_exit_2_with_the_fix():
    cases = [
        (["train", "--dataset", "mons"], "Did you mean 'moons'"),
        (["train", "--layers", "2,x,1"], "give comma-separated widths"),
        (["train", "--layers", "2,0,1"], "layer 1 width is 0"),
        (["train", "--layers", "3,4,1"], "has 2 features; start the list with 2"),
        (["train", "--dataset", "blobs", "--layers", "2,4,1"], "needs 3 units"),
        (["train", "--activation", "rleu"], "Did you mean 'relu'"),
        (["train", "--dataset", "checkerboard", "--noise", "0.1"], "no noise setting"),
        (["train", "--batch-size", "lots"], "positive int or 'full'"),
        (["train", "--epochs", "0"], "epochs=0"),
        (["train", "--save", "/no/such/folder/m.npz", "--epochs", "1"], "does not exist"),
    ]
    for args, message in cases:
        result = run(args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_no_progress_bar_off_a_terminal_and_with_no_progress():
    for extra in ([], ["--no-progress"]):
        result = run(QUICK + ["--epochs", "3"] + extra)
        assert "━" not in result.output and "eta" not in result.output


def run_on_a_terminal(args):
    """Run ``python -m mlplab ARGS`` with a pseudo-terminal as stdout; return what it printed."""
    import os
    import pty

    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "mlplab", *args], stdin=subprocess.DEVNULL,
                               stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # Linux: EIO once the child has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_progress_bar_on_a_terminal_unless_no_progress():
    args = ["train", "--layers", "2,4,1", "--n-samples", "200", "--epochs", "20"]
    with_bar = run_on_a_terminal(args)
    assert "training" in with_bar and "20/20" in with_bar, with_bar
    without_bar = run_on_a_terminal(args + ["--no-progress"])
    assert "test accuracy" in without_bar
    assert "training" not in without_bar and "20/20" not in without_bar, without_bar


def test_the_installed_command_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "mlplab", "--version"], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == f"mlplab, version {mlplab.__version__}"
    result = subprocess.run([sys.executable, "-m", "mlplab", "train", "--layers", "2,1",
                             "--epochs", "2", "--no-progress"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert np.isfinite(accuracy(result.stdout, "test"))


def test_animate_writes_a_gif_with_the_requested_frames(tmp_path):
    from PIL import Image

    out = tmp_path / "xor.gif"
    result = run(["animate", "--dataset", "xor", "--layers", "2,4,3,1", "--activation",
                  "sigmoid", "--n-samples", "200", "--epochs", "20", "--frames", "5",
                  "--resolution", "30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 frames, epochs 0-20" in result.output
    assert Image.open(out).n_frames == 5


def test_animate_errors(tmp_path):
    result = run(["animate", "--out", str(tmp_path / "a.avi"), "--epochs", "1"])
    assert result.exit_code == 2 and "use a .gif, .mp4 or .html" in result.output
    result = run(["animate", "--epochs", "1"])
    assert result.exit_code == 2 and "Missing option '--out'" in result.output


def test_plot_every_kind(tmp_path):
    from PIL import Image

    from mlplab.viz.kinds import ALIASES, FIGURE_KINDS

    for kind in [*FIGURE_KINDS, *ALIASES]:
        if kind in ("collapse", "fit_1d"):  # linear hidden layers, one input: below
            continue
        out = tmp_path / f"{kind}.png"
        result = run(["plot", kind, "--dataset", "moons", "--layers", "2,4,1", "--n-samples",
                      "150", "--epochs", "5", "--dpi", "50", "--out", str(out)])
        assert result.exit_code == 0, (kind, result.output)
        assert Image.open(out).size[0] > 100
    out = tmp_path / "collapse.png"
    result = run(["plot", "collapse", "--layers", "2,2,2,1", "--activation", "linear",
                  "--epochs", "5", "--n-samples", "150", "--out", str(out)])
    assert result.exit_code == 0 and out.exists()
    out = tmp_path / "fit_1d.png"
    result = run(["plot", "fit_1d", "--dataset", "sine", "--layers", "1,6,1", "--activation",
                  "tanh", "--epochs", "5", "--n-samples", "100", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert Image.open(out).size[0] > 100
    result = run(["plot", "collapse", "--activation", "tanh", "--epochs", "1",
                  "--out", str(tmp_path / "no.png")])
    assert result.exit_code == 2 and "only a stack with linear hidden layers" in result.output


def test_plot_kinds_are_the_figure_registry_read_only_when_needed(monkeypatch):
    from mlplab.viz import kinds

    extra = kinds.FigureKind("extra", "a kind added to the registry", kinds.FIGURE_KINDS[
        "boundary"].draw)
    monkeypatch.setitem(kinds.FIGURE_KINDS, "extra", extra)
    usage = run(["plot", "--help"]).output.replace("\n", "").replace(" ", "")
    assert "{" + "|".join([*kinds.FIGURE_KINDS, *kinds.ALIASES]) + "}" in usage
    assert "|extra|" in usage
    # `mlplab --help` and the commands that draw nothing do not load matplotlib.
    script = ("import sys; from click.testing import CliRunner; from mlplab.cli import main; "
              "assert CliRunner().invoke(main, ['--help']).exit_code == 0; "
              "print(sorted(m for m in ('matplotlib', 'mlplab.viz') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"


def test_plot_a_saved_model(tmp_path):
    model_path = tmp_path / "m.npz"
    assert run(QUICK + ["--epochs", "3", "--save", str(model_path)]).exit_code == 0
    out = tmp_path / "b.svg"
    result = run(["plot", "boundary", "--model", str(model_path), "--out", str(out)])
    assert result.exit_code == 0 and out.read_text().lstrip().startswith("<?xml")


def test_help_lists_every_command():
    result = run(["--help"])
    for command in ("train", "study", "plot", "animate", "gradcheck", "trace", "datasets"):
        assert f"  {command} " in result.output


def test_gradcheck_trace_and_datasets_commands():
    result = run(["gradcheck", "--layers", "2,5,3", "--activation", "elu"])
    assert result.exit_code == 0 and "worst relative error" in result.output
    worst = float(result.output.strip().split()[-1])
    assert worst < 1e-6
    result = run(["trace", "--layers", "2,3,1"])
    assert result.exit_code == 0 and "dL/dW1" in result.output and "shape (2, 3)" in result.output
    result = run(["datasets"])
    assert "moons" in result.output and "noise" in result.output
    assert run(["trace", "--activation", "rleu"]).exit_code == 2


def test_every_mlplab_error_is_rendered_once_by_the_group(tmp_path):
    """One place (MlplabGroup) turns every MlplabError into "Error: ..." and exit code 2."""
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    cases = [
        (["plot", "boundary", "--model", str(junk), "--out", str(tmp_path / "p.png")],
         "junk.npz"),
        (["train", "--layers", "2,99999999999,1"], "99999999999"),
        (["train", "--learning-rate", "inf", "--epochs", "2"], "learning_rate=inf"),
        (["gradcheck", "--layers", "2,0,1"], "width is 0"),
    ]
    for args, message in cases:
        result = run(args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.startswith("Error: ") and message in result.output, result.output
        assert "Traceback" not in result.output and "Usage:" not in result.output
        assert result.output.count("Error: ") == 1
    assert not (tmp_path / "p.png").exists()


def test_a_playground_error_is_rendered_by_the_group_too():
    pytest.importorskip("mlplab.web")
    result = run(["playground", "--allow-origin", "*"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and "'*'" in result.output
    assert "Usage:" not in result.output and result.output.count("Error: ") == 1


@pytest.mark.parametrize("args", [
    ["animate", "--frames", "0"], ["animate", "--fps", "0"], ["animate", "--every", "0"],
    ["animate", "--resolution", "100000"], ["animate", "--resolution", "1"],
    ["plot", "boundary", "--dpi", "0"], ["plot", "boundary", "--dpi", "100000"],
])
def test_numeric_picture_options_are_checked_before_anything_runs(tmp_path, args):
    out = tmp_path / ("a.gif" if args[0] == "animate" else "p.png")
    result = run([*args, "--out", str(out), "--epochs", "1"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_warnings_print_once_as_warning_lines_without_numpy_internals():
    result = run(["train", "--layers", "2,4,1", "--learning-rate", "1e300", "--epochs", "2",
                  "--no-progress"])
    assert result.exit_code == 0, result.output
    assert result.output.count("Warning: Training stopped: the loss became nan") == 1
    assert result.output.count("Training stopped") == 1  # the table does not repeat it
    assert "encountered in" not in result.output and ".py:" not in result.output
    assert "learning_rate=inf" not in result.output
