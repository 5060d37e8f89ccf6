"""``mlplab playground``: the address it prints and the warning off loopback."""

import pytest
from click.testing import CliRunner

pytest.importorskip("uvicorn")

from mlplab.cli import main  # noqa: E402


@pytest.fixture
def started(monkeypatch):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append(kwargs))
    return calls


def test_playground_binds_loopback_by_default_and_prints_the_address(started):
    result = CliRunner().invoke(main, ["playground", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output and "Warning" not in result.output
    assert started == [{"host": "127.0.0.1", "port": 8123, "log_level": "warning"}]


def test_playground_says_so_when_it_is_not_on_loopback(started):
    result = CliRunner().invoke(main, ["playground", "--host", "0.0.0.0"])
    assert result.exit_code == 0
    assert "Warning: serving on 0.0.0.0, not on loopback" in result.output
    assert started[0]["host"] == "0.0.0.0"


def test_playground_rejects_a_bad_port():
    result = CliRunner().invoke(main, ["playground", "--port", "70000"])
    assert result.exit_code == 2 and "70000" in result.output
