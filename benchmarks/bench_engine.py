"""Microseconds per training step (forward + backward + update) of the engine, and of PyTorch.

Run:  python benchmarks/bench_engine.py            (--quick: shorter run; --cpu: process CPU time
      instead of wall-clock time, steadier on a machine busy with other work)

One thread each: the script sets OMP/OPENBLAS/MKL threads to 1 and re-executes itself before NumPy is
imported, and calls torch.set_num_threads(1). Both sides do the same step: hidden ReLU layers, sigmoid
output, MSE (mean over the batch of Σ (ŷ − y)²), plain gradient descent; PyTorch in float64 with
autograd and torch.optim.SGD (zero_grad, backward, step). Each figure is the median over 10 blocks of
steps on one fixed batch, the engine's and PyTorch's blocks alternating.
"""
import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
if any(os.environ.get(v) != "1" for v in THREAD_VARS):
    os.environ.update({v: "1" for v in THREAD_VARS})
    os.execv(sys.executable, [sys.executable] + sys.argv)

import ctypes  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from engine import Network  # noqa: E402


def keep_freed_memory() -> None:
    """Ask glibc to keep freed memory for reuse instead of handing it back to the OS at once.

    Every step allocates its records (a, z, δ for each layer) and frees the previous ones; by default
    glibc returns blocks over 128 KB (and a heap top over 128 KB) to the OS, so each step page-faults
    its memory back in: measured 2.1× slower for the 20 × 32 network at batch 256 and 1.4× for
    [784, 128, 64, 10]. PyTorch's caching allocator avoids the same cost.

    Opt-in, because it is process-wide and makes a process hold on to memory it has freed: this
    benchmark calls it; the app does not (a classroom server must give memory back when students
    leave). A no-op where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 * 2 ** 20)  # M_MMAP_THRESHOLD: blocks below 32 MB come from the heap
        libc.mallopt(-1, 128 * 2 ** 20)  # M_TRIM_THRESHOLD: keep up to 128 MB of free heap top
    except (OSError, AttributeError):
        pass


try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None

SIZES = [[2, 4, 4, 1], [2, 8, 8, 1], [2, 16, 16, 16, 1], [2] + [32] * 20 + [1], [784, 128, 64, 10]]
BATCHES = [1, 32, 256]
TARGETS = {("[2, 8, 8, 1]", 32): 0.2, ("[2, 16, 16, 16, 1]", 32): 0.3,
           ("[2, 32×20, 1]", 32): 0.7, ("[784, 128, 64, 10]", 256): 1.0}
LR = 0.01


def label(sizes):
    if len(sizes) > 6:
        return f"[{sizes[0]}, {sizes[1]}×{len(sizes) - 2}, {sizes[-1]}]"
    return str(list(sizes))


CLOCK = time.process_time if "--cpu" in sys.argv else time.perf_counter


def median_us(steps, budget):
    """Median µs per call of each step function, over 10 rounds of blocks run alternately (so a
    change in machine load hits both sides); each block lasts about budget/10 seconds."""
    sizes = []
    for step in steps:
        step()
        t0, n = CLOCK(), 0
        while CLOCK() - t0 < 0.02:
            step()
            n += 1
        sizes.append(max(1, int(n * budget / 10 / 0.02)))
    times = [[] for _ in steps]
    for _ in range(10):
        for step, per_block, out in zip(steps, sizes, times):
            t0 = CLOCK()
            for _ in range(per_block):
                step()
            out.append((CLOCK() - t0) / per_block)
    return [1e6 * float(np.median(t)) for t in times]


def numpy_step(sizes, X, Y):
    net = Network(sizes, activation="relu", output_activation="sigmoid", loss="mse", init="he_normal", seed=0)
    return lambda: net.step(X, Y, LR)


def torch_step(sizes, X, Y):
    layers = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [torch.nn.Linear(n_in, n_out, dtype=torch.float64), torch.nn.ReLU()]
    layers += [torch.nn.Linear(sizes[-2], sizes[-1], dtype=torch.float64), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def step():
        opt.zero_grad()
        loss = ((model(Xt) - Yt) ** 2).sum(dim=1).mean()
        loss.backward()
        opt.step()
    return step


def main():
    quick = "--quick" in sys.argv
    keep_freed_memory()  # opt-in allocator setting, as PyTorch's caching allocator does for torch
    budget = 0.1 if quick else 0.4
    print(f"NumPy {np.__version__}" + (f", PyTorch {torch.__version__}" if torch else ", PyTorch not installed")
          + f"; one thread; median µs per training step ({'CPU' if '--cpu' in sys.argv else 'wall-clock'} time);"
          f" load average {os.getloadavg()[0]:.2f}; glibc keeps freed memory (keep_freed_memory)")
    head = f"{'network':<22}{'batch':>6}{'engine µs':>12}{'torch µs':>12}{'ratio':>8}{'target':>8}"
    print(head)
    print("-" * len(head))
    rng = np.random.default_rng(0)
    for sizes in SIZES:
        for batch in BATCHES:
            X = rng.normal(size=(batch, sizes[0]))
            Y = rng.uniform(size=(batch, sizes[-1]))
            steps = [numpy_step(sizes, X, Y)] + ([torch_step(sizes, X, Y)] if torch else [])
            times = median_us(steps, budget)
            row = f"{label(sizes):<22}{batch:>6}{times[0]:>12.1f}"
            target = TARGETS.get((label(sizes), batch))
            if torch is not None:
                ratio = times[0] / times[1]
                mark = "" if target is None else (f"≤{target:g} " + ("ok" if ratio <= target else "MISS"))
                row += f"{times[1]:>12.1f}{ratio:>8.2f}  {mark}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
