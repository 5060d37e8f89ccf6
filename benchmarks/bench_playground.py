"""Playground frame rates: a class of 30 pages, one large net alone, and the page drawing it.

Starts a real server (``mlplab playground`` in a subprocess) and measures, on loopback:

- **class**: 30 websocket clients playing a 2-8-8-1 net on moons (one asyncio process
  for all of them, binary frames, each message only counted): frames per second of
  every session (min, median, max, slowest / median). Goal: every session >= 10,
  the slowest >= 70% of the median.
- **alone**: one client playing a 6x32 net (binary) and a 10x64 multi-class net:
  frames per second (goal >= 10 each) and bytes per frame, binary and JSON.
- **page**: chromium (Playwright) opens the page with a 10x64 multi-class link, plays,
  and reads ``window.mlplabStats.framesDrawn`` over a few seconds (goal >= 4 per second).

    python benchmarks/bench_playground.py --seconds 8 [--json out.json] [--skip page]

The clients share the machine with the server, as a class on one laptop would not:
the figures are a lower bound for a server with the machine to itself. On 2 shared
cores, before the worker processes and binary frames (one process, JSON, all thumbnails):
class 6.5 frames/s per session, 10x64 alone 12.9 with 909 kB per frame; after: class
14-30 (30: the cap; slowest/median 0.94-0.99), 6x32 26-29, 10x64 14-29 with 173 kB,
page 8.5-14 (the low ends while other work shared the cores).
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

CLASS_SIZE = 30
GOAL_FPS = 10
GOAL_FAIRNESS = 0.7
GOAL_PAGE_FPS = 4
MOONS = {"dataset": "moons", "n_samples": 400, "resolution": 100,
         "layers": [{"units": 8, "activation": "tanh"}] * 2}
WIDE = {"dataset": "moons", "n_samples": 400, "layers": [{"units": 32, "activation": "tanh"}] * 6}
LARGE = {"dataset": "blobs", "n_classes": 4, "problem": "multiclass", "n_samples": 400,
         "layers": [{"units": 64, "activation": "tanh"}] * 10}
LARGE_LINK = "/?data=blobs&classes=4&problem=multiclass&layers=" + ",".join(["64:tanh"] * 10)


def is_frame(message):
    """A frame without decoding it: binary messages are frames; text ones say their type
    in their first characters."""
    return isinstance(message, bytes) or message.startswith('{"type": "frame"')


async def receive(socket, seconds=60):
    """The next message; a session that gets none for a minute stops the benchmark."""
    try:
        return await asyncio.wait_for(socket.recv(), seconds)
    except TimeoutError:
        raise SystemExit(f"a session got no message for {seconds} s: the server stalled") from None


async def create(client, config):
    answer = await client.post("/api/sessions", json=config)
    answer.raise_for_status()
    return answer.json()


async def play(url, config, seconds, warmup, binary=True, start_at=None):
    """Play one session; return (frames per second, mean bytes per frame)."""
    import httpx
    import websockets

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        session = (await create(client, config))["id"]
    query = "?frames=binary" if binary else ""
    ws_url = url.replace("http", "ws") + f"/ws/{session}{query}"
    async with websockets.connect(ws_url, max_size=2**25, compression=None) as socket:
        await socket.send(json.dumps({"type": "play"}))
        started = time.perf_counter()
        while time.perf_counter() - started < warmup:  # compiling, the others connecting
            await receive(socket)
        if start_at is not None:
            await start_at.wait()
        frames, size, started = 0, 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            message = await receive(socket)
            if is_frame(message):
                frames, size = frames + 1, size + len(message)
        return frames / (time.perf_counter() - started), size / max(frames, 1)


async def class_rates(url, seconds):
    """Frames per second of each of CLASS_SIZE sessions playing at once."""
    start_at = asyncio.Event()

    async def release():
        await asyncio.sleep(5.0)  # every client connected and warm
        start_at.set()

    releaser = asyncio.create_task(release())
    rates = await asyncio.gather(*(play(url, MOONS, seconds, 4.0, start_at=start_at)
                                   for _ in range(CLASS_SIZE)))
    await releaser
    return sorted(rate for rate, _ in rates), rates[0][1]


async def json_frame_bytes(url, config):
    """Bytes of one JSON frame of a new session of ``config`` (as the REST answer has it)."""
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        created = await create(client, config)
        frame = (await client.post(f"/api/sessions/{created['id']}/step",
                                   json=None)).json()
    return len(json.dumps(frame))


def page_rate(url, seconds):
    """Frames per second the page draws for the 10x64 link, or a reason why not measured."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None, "chromium is not installed"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None, "playwright is not installed"
    args = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(url + LARGE_LINK)
        page.wait_for_timeout(1000)
        ready = page.evaluate("""Promise.race([
            window.mlplabPage ? window.mlplabPage.ready.then(() => true) : true,
            new Promise((resolve) => setTimeout(() => resolve(false), 30000))])""")
        if not ready:
            browser.close()
            return None, "the page was not ready after 30 s (mlplabPage.ready)"
        if page.evaluate("typeof window.mlplabStats") == "undefined":
            browser.close()
            return None, "the page has no window.mlplabStats counter yet (app.js)"
        page.click("#play")
        page.wait_for_timeout(3000)  # compiling, first frames
        before = page.evaluate("window.mlplabStats.framesDrawn")
        start = time.perf_counter()
        page.wait_for_timeout(seconds * 1000)
        drawn = page.evaluate("window.mlplabStats.framesDrawn") - before
        rate = drawn / (time.perf_counter() - start)
        browser.close()
        return rate, ""


def start_server(port, extra):
    command = [sys.executable, "-m", "mlplab", "playground", "--port", str(port), *extra]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    import httpx

    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return server
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit("the playground did not start") from None
            time.sleep(0.3)


def measure(args):
    url = f"http://127.0.0.1:{args.port}"
    results = {}
    server = start_server(args.port, args.server_args.split())
    try:
        if "class" not in args.skip:
            rates, size = asyncio.run(class_rates(url, args.seconds))
            results["class"] = {"min": rates[0], "median": statistics.median(rates),
                                "max": rates[-1], "bytes_per_frame": size,
                                "json_bytes_per_frame": asyncio.run(json_frame_bytes(url, MOONS))}
        for name, config in (("6x32", WIDE), ("10x64", LARGE)):
            if name in args.skip:
                continue
            rate, size = asyncio.run(play(url, config, args.seconds, 3.0))
            results[name] = {"fps": rate, "bytes_per_frame": size,
                             "json_bytes_per_frame": asyncio.run(json_frame_bytes(url, config))}
        if "page" not in args.skip:
            rate, why = page_rate(url, args.seconds)
            results["page"] = {"fps": rate, "note": why}
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def report(results):
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    print(f"Playground on {os.cpu_count()} cores (server, workers and clients share them)")
    if "class" in results:
        c = results["class"]
        fair = c["min"] / c["median"] if c["median"] else 0.0
        c["slowest_over_median"] = fair
        print(f"  class: {CLASS_SIZE} sessions of 2-8-8-1 on moons, frames/s per session: "
              f"min {c['min']:.1f}, median {c['median']:.1f}, max {c['max']:.1f}, "
              f"slowest/median {fair:.2f}")
        print(f"    bytes per frame: {c['bytes_per_frame']:,.0f} binary, "
              f"{c['json_bytes_per_frame']:,} JSON")
        print(f"    goal: every session >= {GOAL_FPS} -> {met(c['min'] >= GOAL_FPS)}; "
              f"slowest >= {GOAL_FAIRNESS:.0%} of median -> {met(fair >= GOAL_FAIRNESS)}")
    for name in ("6x32", "10x64"):
        if name in results:
            r = results[name]
            print(f"  alone: one {name} session: {r['fps']:.1f} frames/s, "
                  f"{r['bytes_per_frame']:,.0f} bytes per frame binary, "
                  f"{r['json_bytes_per_frame']:,} JSON -> {met(r['fps'] >= GOAL_FPS)}")
    if "page" in results:
        r = results["page"]
        if r["fps"] is None:
            print(f"  page: not measured: {r['note']}")
        else:
            print(f"  page: chromium draws {r['fps']:.1f} frames/s of the 10x64 net "
                  f"-> {met(r['fps'] >= GOAL_PAGE_FPS)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--port", type=int, default=8777)
    parser.add_argument("--server-args", default="",
                        help="more options for `mlplab playground`, e.g. '--workers 2'")
    parser.add_argument("--skip", default="", help="comma list of class,6x32,10x64,page")
    parser.add_argument("--json", dest="json_out", help="also write the figures here")
    args = parser.parse_args()
    results = measure(args)
    report(results)
    if args.json_out:
        with open(args.json_out, "w") as file:
            json.dump(results, file, indent=2)


if __name__ == "__main__":
    main()
