"""How many torch threads a CPU process should use: the cores that are free now, found by a probe.

    from modeling.cpu_threads import apply_torch_threads
    threads = apply_torch_threads(cfg.train.torch_threads)   # 0 = probe, N > 0 = exactly N

On a dedicated machine every core the process may use wins. On a shared one
(CI runners, the 2-vCPU boxes these benchmarks ran on) a core that another
job holds makes every multi-threaded op wait for the thread that lost it: a
second thread once made the MiniLM recipe 4x slower there. The load average
cannot tell: it lags by a minute and counts this process's own last step
(the pipeline's in-process Spark ETL runs right before training). So the
probe times what the work does, a matrix product shaped like one encoder
layer's feed-forward on a batch of tweets, at one thread and at every core,
interleaved, and keeps the fewest threads within `tolerance` of the fastest.
It takes about 0.1-0.5 s.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable

# One MiniLM feed-forward matmul for a batch of 32 tweets of ~20 tokens.
PROBE_SHAPE = (640, 384, 1536)


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no affinity call
        return os.cpu_count() or 1


def choose_threads(requested: int = 0, probe: Callable[[int], float] | None = None, rounds: int = 5,
                   tolerance: float = 0.10) -> int:
    """`requested` when > 0; else the probe's pick among 1, half and all usable cores.

    More threads must beat fewer by more than `tolerance` (a fraction of the
    time): on a shared machine each extra thread costs CPU time others need.
    `probe(threads) -> seconds` is the timing; the default runs PROBE_SHAPE.
    """
    if requested > 0:
        return requested
    cores = usable_cores()
    candidates = sorted({1, max(cores // 2, 1), cores})
    if len(candidates) == 1:
        return 1
    probe = probe or _matmul_seconds()
    times: dict[int, list[float]] = {n: [] for n in candidates}
    for _ in range(rounds):  # interleaved: a neighbour's burst hits every candidate alike
        for n in candidates:
            times[n].append(probe(n))
    median = {n: sorted(t)[len(t) // 2] for n, t in times.items()}
    best = min(median.values())
    return min(n for n in candidates if median[n] <= best * (1 + tolerance))


def apply_torch_threads(requested: int = 0) -> int:
    """Sets torch's intra-op threads to choose_threads(requested) and returns the count."""
    import torch

    threads = choose_threads(requested)
    torch.set_num_threads(threads)
    return threads


def cpu_description() -> str:
    """The CPU's model name and the flags that decide its fast paths (bf16, int8), for benchmark tables."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return "unknown CPU"
    name = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    flags = set(next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), []))
    fast = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{name} [{' '.join(fast) or 'no avx2'}]"


def _matmul_seconds() -> Callable[[int], float]:
    import torch

    rows, dim, hidden = PROBE_SHAPE
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(rows, dim, generator=generator)
    b = torch.randn(dim, hidden, generator=generator)

    def seconds(threads: int) -> float:
        torch.set_num_threads(threads)
        torch.mm(a, b)  # the first call after a thread change spins the pool up
        start = time.perf_counter()
        for _ in range(3):
            torch.mm(a, b)
        return time.perf_counter() - start

    return seconds
