"""What one playing student costs the server, without a browser: bytes per second of play sent to the
player and CPU seconds per second of play (training + encoding + packing), at the default speed
(player.DEFAULT_SPEED steps per frame, 30 frames/s), for the default playground and the largest network.

    python benchmarks/bench_player.py
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.playground import player  # noqa: E402
from components.playground.settings import PlaygroundSettings, new_run  # noqa: E402

ALL_FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")
CASES = {"circles [4, 2] tanh": PlaygroundSettings(),
         "spiral 8 × 16, 7 features": PlaygroundSettings(dataset="spiral", hidden=(16,) * 8, features=ALL_FEATURES)}


def main(chunks: int = 6):
    print(f"One playing student, {chunks} chunks at {player.SPEEDS[player.DEFAULT_SPEED]} steps/frame "
          f"(load average {' '.join(open('/proc/loadavg').read().split()[:3])}):")
    for name, settings in CASES.items():
        run = new_run(settings)
        sent, cpu, frames, fps = 0, 0.0, 0, []
        for _ in range(chunks):
            t0 = time.thread_time()
            chunk = player.next_chunk(run, player.SPEEDS[player.DEFAULT_SPEED], n_players=1)
            text = json.dumps(chunk, separators=(",", ":"))
            cpu += time.thread_time() - t0
            sent += len(text)
            frames += len(chunk["frames"])
            fps.append(chunk["fps"])
        seconds = sum(len_ / f for len_, f in zip([frames / chunks] * chunks, fps))
        layout = len(json.dumps(player.layout_payload(run), separators=(",", ":")))
        print(f"  {name:28s} {frames / seconds:5.1f} frames/s of play, {sent / seconds / 1000:6.0f} kB/s, "
              f"{100 * cpu / seconds:5.1f} % of a core (capped at {100 * player.SERVER_SHARE:.0f} %), "
              f"{layout / 1000:.0f} kB of points and layout once per play")


if __name__ == "__main__":
    main()
