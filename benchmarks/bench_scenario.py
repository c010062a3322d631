"""Scenario save/load and link costs: prints median times (ms), file sizes and link lengths.

    python benchmarks/bench_scenario.py

What it measures: ``Scenario.to_json`` / ``Scenario.from_json`` (validation included) for the default
step network, a 20 × 32 network and a 50 × 64 lab scenario (settings only); ``to_query`` /
``from_query`` and the link's length for a 56-parameter network (weights in the link) and for the
20 × 32 network (settings and seed); loading every lesson preset.
"""
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Network  # noqa: E402
from engine.lab import LabSettings  # noqa: E402
from engine.scenario import Scenario, from_lab_settings, from_query, load_lessons, to_query  # noqa: E402
from timing import median_ms  # noqa: E402


def main():
    cases = {
        "default 2-3-1": Scenario.from_network(Network([2, 3, 1], seed=0)),
        "20 × 32 (19,552 weights)": Scenario.from_network(Network([2] + [32] * 20 + [1], seed=0)),
        "lab 50 × 64 (settings)": from_lab_settings(LabSettings(depth=50, width=64)),
    }
    print(f"{'scenario':28} {'to_json ms':>10} {'from_json ms':>12} {'file kB':>8}")
    for name, s in cases.items():
        text = s.to_json()
        print(f"{name:28} {median_ms(s.to_json, 5):10.2f} {median_ms(lambda: Scenario.from_json(text), 5):12.2f} "
              f"{len(text.encode()) / 1000:8.1f}")
    print()
    links = {"56 parameters (weights in link)": Scenario.from_network(Network([3, 5, 5, 1], seed=1)),
             "20 × 32 (settings + seed)": cases["20 × 32 (19,552 weights)"]}
    edited = links["20 × 32 (settings + seed)"]
    links["20 × 32 edited (reinit notice)"] = edited.replace(
        weights=[[[v + 0.5 if (l, j, k) == (0, 0, 0) else v for k, v in enumerate(r)] for j, r in enumerate(W)]
                 for l, W in enumerate(edited.weights)])
    print(f"{'link':32} {'to_query ms':>11} {'from_query ms':>13} {'chars':>6}")
    for name, s in links.items():
        q = to_query(s)
        print(f"{name:32} {median_ms(lambda: to_query(s), 5):11.2f} {median_ms(lambda: from_query(q), 5):13.2f} "
              f"{len(urlencode(q)):6d}")
    print()
    print(f"load all {len(load_lessons())} lesson presets: {median_ms(load_lessons, 5):.1f} ms")


if __name__ == "__main__":
    main()
