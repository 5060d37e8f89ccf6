"""Playground frame rate: a 2-8-8-1 net on a 100x100 grid, as the page sees it.

Measures, in one process:
- the compute rate: one epoch of training plus a full frame (output grid,
  every neuron's thumbnail, weights, scores), with no network in between;
- the streamed rate: frames a websocket client receives from a real server
  (uvicorn in a subprocess) while playing; the server caps it at MAX_FPS.

    python benchmarks/bench_playground.py --seconds 5
"""

import argparse
import asyncio
import json
import subprocess
import sys
import time

from mlplab.web.app import MAX_FPS
from mlplab.web.config import LayerConfig, PlaygroundConfig
from mlplab.web.session import Session

GOAL_FPS = 10
CONFIG = {"dataset": "moons", "n_samples": 400,
          "layers": [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}],
          "resolution": 100}


def compute_rate(seconds):
    config = PlaygroundConfig(**{**CONFIG, "layers": [LayerConfig(**layer)
                                                      for layer in CONFIG["layers"]]})
    session = Session(config)
    session.advance()  # first call compiles the training loop
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        session.advance()
        frames += 1
    return frames / (time.perf_counter() - start)


async def streamed_rate(url, seconds):
    import httpx
    import websockets

    async with httpx.AsyncClient(base_url=url) as client:
        session = (await client.post("/api/sessions", json=CONFIG)).json()["id"]
    async with websockets.connect(url.replace("http", "ws") + f"/ws/{session}",
                                  max_size=2**24) as socket:
        await socket.recv(), await socket.recv()  # the data and the first frame
        await socket.send(json.dumps({"type": "play"}))
        await socket.recv()  # warm-up frame (compiles)
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            if json.loads(await socket.recv())["type"] == "frame":
                frames += 1
        return frames / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=8777)
    args = parser.parse_args()
    compute = compute_rate(args.seconds)
    server = subprocess.Popen([sys.executable, "-m", "mlplab", "playground", "--port",
                               str(args.port)], stdout=subprocess.DEVNULL)
    try:
        time.sleep(3)
        streamed = asyncio.run(streamed_rate(f"http://127.0.0.1:{args.port}", args.seconds))
    finally:
        server.terminate()
    print("Playground, 2-8-8-1 on moons (200 training points, batch 10), 100x100 grid")
    print(f"  compute (train 1 epoch + frame): {compute:7.1f} frames/s")
    print(f"  streamed over the websocket:     {streamed:7.1f} frames/s (server cap {MAX_FPS})")
    print(f"  goal: >= {GOAL_FPS} frames/s -> {'met' if streamed >= GOAL_FPS else 'NOT met'}")


if __name__ == "__main__":
    main()
