"""A real playground server in a subprocess, for the browser and load tests."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_playground(*options, wait=30):
    """``mlplab playground`` with ``options`` on a free loopback port, once it answers;
    returns (base URL, process). The caller terminates the process."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlplab", "playground", "--port", str(port), *options],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + wait
    while True:
        try:
            httpx.get(f"{url}/api/health", timeout=1)
            return url, process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the playground did not start: {process.stdout.read()}")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def server():
    """``mlplab playground`` on a free loopback port; yields (base URL, process)."""
    pytest.importorskip("uvicorn")
    url, process = start_playground("--idle", "2")
    yield url, process
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def full_server():
    """A playground that takes one session; yields its base URL."""
    url, process = start_playground("--idle", "60", "--max-sessions", "1", wait=60)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def process_tree():
    """A function: a pid and its descendants' (the playground's worker processes)."""
    return descendants


def descendants(pid):
    """``pid`` and its descendants, from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in os.listdir(f"/proc/{current}/task"):
            try:
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: missing there is a failure, not a skip
        pytest.skip(message)
    return path


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Debian's chromium, headless, driven by Playwright (skipped without either)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True,
                                    args=CHROMIUM_ARGS)
        yield browser
        browser.close()


ARTIFACTS = Path(os.environ.get("MLPLAB_ARTIFACTS", "test-artifacts"))


@pytest.fixture
def screenshot():
    """``screenshot(page, name)``: the whole page as ARTIFACTS/name, with no hover or
    focus card in the picture (looked at before a page is called done)."""
    def take(page, name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.mouse.move(1, 1)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    return take
