"""Compiling the kernels: the once-per-process notice and `mlplab warmup` (fast/warmup.py)."""

import io
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from mlplab.cli import main
from mlplab.fast import epochs, warmup

pytestmark = pytest.mark.skipif(not epochs.available(), reason="numba is not installed")


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(warmup, "_announced", False)
    monkeypatch.delenv("MLPLAB_QUIET", raising=False)
    monkeypatch.setattr(warmup, "needs_compiling", lambda: True)


def test_the_notice_is_printed_once_per_process(fresh):
    stream = io.StringIO()
    assert warmup.announce(stream) and not warmup.announce(stream)
    assert stream.getvalue().count("compiling the fast kernels") == 1
    assert "mlplab warmup" in stream.getvalue()


def test_mlplab_quiet_hides_the_notice(fresh, monkeypatch):
    monkeypatch.setenv("MLPLAB_QUIET", "1")
    stream = io.StringIO()
    assert not warmup.announce(stream) and stream.getvalue() == ""


def test_the_cache_is_looked_at_once_per_process(fresh, monkeypatch):
    looks = []
    monkeypatch.setattr(warmup, "needs_compiling", lambda: looks.append(1) or False)
    for _ in range(3):  # every compiled fit asks; only the first looks (~1 ms)
        assert not warmup.announce(io.StringIO())
    assert len(looks) == 1


def test_a_compiled_fit_announces_and_a_numpy_fit_does_not(fresh, monkeypatch, capsys):
    import numpy as np

    import mlplab

    model = mlplab.Sequential.from_spec([2, 3, 1], random_state=0)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    model.fit(X, y, engine="numpy")
    assert "compiling" not in capsys.readouterr().err
    model.fit(X, y)
    assert "compiling the fast kernels" in capsys.readouterr().err


def test_warmup_without_numba_says_there_is_nothing_to_compile(monkeypatch):
    monkeypatch.setattr(epochs, "available", lambda: False)
    result = CliRunner().invoke(main, ["warmup"])
    assert result.exit_code == 1 and "numba is not installed" in result.output


@pytest.mark.slow
def test_warmup_compiles_every_kernel_into_numba_s_cache(tmp_path):
    """In a cache of its own: needed before, `mlplab warmup` compiles every kernel that a
    fit, fit_many or L-BFGS may call, and a new process then finds them all."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    ask = [sys.executable, "-c", "from mlplab.fast import warmup; "
           "print(warmup.needs_compiling())"]
    assert subprocess.run(ask, env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "True"
    run = subprocess.run([sys.executable, "-m", "mlplab", "warmup"], env=env,
                         capture_output=True, text=True, check=True)
    assert "compiled and cached" in run.stdout
    assert subprocess.run(ask, env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
