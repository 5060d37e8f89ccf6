"""``mlplab playground``: the address it prints, the warning off loopback, and the
hosts and origins it may be told to allow."""

import pytest
from click.testing import CliRunner

pytest.importorskip("uvicorn")

from mlplab.cli import main  # noqa: E402


@pytest.fixture
def started(monkeypatch):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append(kwargs))
    return calls


@pytest.fixture
def apps(monkeypatch):
    served = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: served.append(app))
    return served


def test_playground_binds_loopback_by_default_and_prints_the_address(started):
    result = CliRunner().invoke(main, ["playground", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output and "Warning" not in result.output
    assert started == [{"host": "127.0.0.1", "port": 8123, "log_level": "warning",
                        "ws_per_message_deflate": False}]


def test_playground_says_so_when_it_is_not_on_loopback(started):
    import socket

    result = CliRunner().invoke(main, ["playground", "--host", "0.0.0.0"])
    assert result.exit_code == 0
    assert "Warning: serving on 0.0.0.0, not on loopback" in result.output
    assert "no password" in result.output
    # What to tell a class: the addresses it answers to (this machine's name among them).
    assert f"http://{socket.gethostname().lower()}:8765/" in result.output
    assert started[0]["host"] == "0.0.0.0"


def test_playground_allows_other_hosts_and_origins_deliberately(apps):
    result = CliRunner().invoke(main, ["playground", "--allow-host", "lab-pc.school.example",
                                       "--allow-origin", "http://slides.example:8000",
                                       "--allow-origin", "https://course.example"])
    assert result.exit_code == 0, result.output
    assert "lab-pc.school.example" in apps[0].state.hosts
    assert apps[0].state.origins == {("http", "slides.example", 8000),
                                     ("https", "course.example", 443)}


@pytest.mark.parametrize("option, value", [("--allow-origin", "slides.example"),
                                           ("--allow-origin", "*"),
                                           ("--allow-host", "http://lab-pc:8000")])
def test_playground_refuses_a_bad_host_or_origin_with_the_form_to_use(apps, option, value):
    result = CliRunner().invoke(main, ["playground", option, value])
    assert result.exit_code == 2 and not apps
    assert repr(value) in result.output and "Traceback" not in result.output


def test_playground_rejects_a_bad_port():
    result = CliRunner().invoke(main, ["playground", "--port", "70000"])
    assert result.exit_code == 2 and "70000" in result.output


@pytest.mark.parametrize("needed", [True, False])
def test_playground_compiles_the_kernels_before_serving_on_a_new_machine(started, monkeypatch,
                                                                         needed):
    from mlplab.fast import epochs, warmup

    if not epochs.available():
        pytest.skip("numba is not installed: nothing to compile")
    order = []
    monkeypatch.setattr(warmup, "needs_compiling", lambda: needed)
    monkeypatch.setattr(warmup, "compile_kernels", lambda: order.append("compile") or 12.0)
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: order.append("serve"))
    result = CliRunner().invoke(main, ["playground", "--port", "8124"])
    assert result.exit_code == 0, result.output
    assert order == (["compile", "serve"] if needed else ["serve"])
    assert ("compiling mlplab's fast kernels" in result.output) == needed
    assert ("Kernels ready (12 s)." in result.output) == needed


def test_playground_takes_max_sessions_and_workers(apps):
    result = CliRunner().invoke(main, ["playground", "--max-sessions", "7", "--workers", "3"])
    assert result.exit_code == 0, result.output
    store = apps[0].state.store
    assert store.max_sessions == 7 and len(store.links) == 3
    assert not any(link.in_process for link in store.links)


def test_playground_has_a_worker_per_core_and_sixty_sessions_by_default(apps):
    import os

    result = CliRunner().invoke(main, ["playground"])
    assert result.exit_code == 0, result.output
    store = apps[0].state.store
    assert store.max_sessions == 60 and len(store.links) == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("option, value", [("--max-sessions", "0"), ("--workers", "-1")])
def test_playground_refuses_a_bad_count(option, value):
    result = CliRunner().invoke(main, ["playground", option, value])
    assert result.exit_code == 2 and value in result.output
