"""What the divergence model (engine/divergence.py) costs: the watch on every training step, and the
pause at a diverging step (going back to the healthy weights and trying the smaller learning rates).

    python benchmarks/bench_divergence.py
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import median_ms  # noqa: E402
from components.playground.settings import PlaygroundSettings, new_run  # noqa: E402
from engine.divergence import Watch  # noqa: E402
from engine.lab import PRESETS, LabRun  # noqa: E402


def main():
    t = new_run(PlaygroundSettings()).trainer
    X, Y = t.X_train[:10], t.Y_train[:10]
    p = t.net.step(X, Y, 0.03)
    w, k = Watch(), [0]

    def observe_1000():
        for _ in range(1000):
            k[0] += 1
            w.observe(k[0], p, 0.03, t.net)

    step_ms = median_ms(lambda: [t.step() for _ in range(100)], repeat=9) / 100
    print(f"playground default network: Trainer.step {step_ms * 1000:.0f} µs, of which the watch "
          f"{median_ms(observe_1000, repeat=9):.1f} µs")

    def pause(settings):
        return lambda: new_run(settings).trainer.run(steps=200)

    for name, s in (("plane, ReLU, ×10, α = 10 (500 points)", PlaygroundSettings(dataset="plane", activation="relu",
                                                                             init_gain=10.0, lr=10.0)),
                    ("plane, 8 × 16 ReLU, ×10, α = 10, batch 500 of 1,800 points",
                     PlaygroundSettings(dataset="plane", n_samples=2000, test_ratio=0.1, hidden=(16,) * 8,
                                        activation="relu", init_gain=10.0, lr=10.0, batch_size=500))):
        print(f"playground {name}: run to the pause, trials included: {median_ms(pause(s), repeat=5):.0f} ms")
    s = PRESETS["tanh with too-large init — exploding"].settings.with_(residual=True, steps=50)
    print(f"lab tanh ×4 residual 20 × 32: 50 steps to the pause at step 6, trials included: "
          f"{median_ms(lambda: LabRun(s).advance(50), repeat=5):.0f} ms")


if __name__ == "__main__":
    main()
