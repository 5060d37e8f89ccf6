"""Twenty pages at once against a real server; memory goes back down after they close."""

import asyncio
import json
import time

import httpx
import pytest

websockets = pytest.importorskip("websockets")

pytestmark = pytest.mark.slow

SESSIONS = 20
FRAMES = 8
# A 2-8-8-1 net on a 100x100 grid: the size the issue sets for live training.
CONFIG = {"dataset": "moons", "layers": [{"units": 8, "activation": "tanh"}] * 2}


def resident_mb(pid, process_tree):
    """Resident memory of the server and its worker processes."""
    return sum(_resident_mb(process) for process in process_tree(pid))


def _resident_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def one_page(url):
    """Create a session, play until FRAMES frames arrived, close; return their epochs."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        session = (await client.post("/api/sessions", json=CONFIG)).json()["id"]
    ws_url = url.replace("http", "ws") + f"/ws/{session}"
    epochs = []
    async with websockets.connect(ws_url, max_size=2**24) as socket:
        await socket.send(json.dumps({"type": "play"}))
        while len(epochs) < FRAMES:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=60))
            if message["type"] == "frame" and message["epoch"] > 0:
                epochs.append(message["epoch"])
    return epochs


def run_pages(url, count):
    async def main():
        return await asyncio.gather(*(one_page(url) for _ in range(count)))

    return asyncio.run(main())


def wait_until_swept(url, timeout=30):
    deadline = time.monotonic() + timeout
    while httpx.get(f"{url}/api/health").json()["sessions"]:
        assert time.monotonic() < deadline, "idle sessions were not cleaned up"
        time.sleep(0.25)


def test_twenty_concurrent_sessions_all_get_frames_and_memory_comes_back(server, process_tree):
    url, process = server
    # Warm up with the same load: libraries, compiled loops, thread pools and the
    # allocator's arenas grow once (measured: ~180 MB idle, ~320 MB warm).
    run_pages(url, SESSIONS)
    wait_until_swept(url)
    start = resident_mb(process.pid, process_tree)
    for _ in range(2):
        results = run_pages(url, SESSIONS)
        assert len(results) == SESSIONS
        for epochs in results:
            assert len(epochs) == FRAMES and epochs == sorted(epochs)
        wait_until_swept(url)  # the server was started with --idle 2
        after = resident_mb(process.pid, process_tree)
        print(f"server memory: {start:.0f} MB at the start, {after:.0f} MB after "
              f"{SESSIONS} sessions closed")
        assert after < start + 15, f"memory grew from {start:.0f} MB to {after:.0f} MB"


def test_sessions_playing_together_share_the_server_fairly(server):
    """Twelve binary sessions, small and larger nets, play at once: each gets frames, and
    the slowest small one gets at least half the median's (the benchmark asks 70%, on a
    quiet machine)."""
    url, _ = server
    sizes = [8] * 10 + [32] * 2  # two heavier sessions must not starve the others

    async def page(units, start, stop):
        config = {**CONFIG, "layers": [{"units": units, "activation": "tanh"}] * 2}
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            session = (await client.post("/api/sessions", json=config)).json()["id"]
        ws_url = url.replace("http", "ws") + f"/ws/{session}?frames=binary"
        async with websockets.connect(ws_url, max_size=2**24) as socket:
            await socket.send(json.dumps({"type": "play"}))
            await start.wait()
            frames = 0
            while not stop.is_set():
                try:
                    message = await asyncio.wait_for(socket.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                frames += isinstance(message, bytes)
            return frames

    async def main():
        start, stop = asyncio.Event(), asyncio.Event()
        pages = [asyncio.create_task(page(units, start, stop)) for units in sizes]
        await asyncio.sleep(3)  # all connected and playing
        start.set()
        await asyncio.sleep(4)
        stop.set()
        return await asyncio.gather(*pages)

    counts = asyncio.run(main())
    small = sorted(counts[:10])
    print(f"frames in 4 s: small nets {small}, 2x32 nets {counts[10:]}")
    assert min(counts) > 0
    assert small[0] >= 0.5 * small[len(small) // 2], small
