"""The thread probe: explicit counts pass through, the pick follows the timings, the real probe returns a usable count."""
from __future__ import annotations

import pytest

from modeling import cpu_threads
from modeling.cpu_threads import choose_threads


def test_explicit_count_is_kept_without_probing():
    def probe(_):
        raise AssertionError("an explicit count must not probe")

    assert choose_threads(3, probe=probe) == 3


@pytest.mark.parametrize(("timings", "expected"), [
    ({1: 1.0, 2: 0.5}, 2),    # a free second core halves the time: take it
    ({1: 1.0, 2: 0.95}, 1),   # 5% faster is within the 10% tolerance: one thread
    ({1: 0.4, 2: 1.2}, 1),    # a neighbour holds the second core: one thread
])
def test_pick_follows_the_probe_on_two_cores(monkeypatch, timings, expected):
    monkeypatch.setattr(cpu_threads, "usable_cores", lambda: 2)
    calls = []

    def probe(n):
        calls.append(n)
        return timings[n]

    assert choose_threads(0, probe=probe, rounds=3) == expected
    assert calls == [1, 2] * 3  # interleaved rounds


def test_half_the_cores_is_a_candidate(monkeypatch):
    monkeypatch.setattr(cpu_threads, "usable_cores", lambda: 8)
    assert choose_threads(0, probe={1: 4.0, 4: 1.0, 8: 1.05}.__getitem__, rounds=1) == 4


def test_single_core_needs_no_probe(monkeypatch):
    monkeypatch.setattr(cpu_threads, "usable_cores", lambda: 1)
    assert choose_threads(0, probe=lambda n: 1 / 0) == 1


def test_real_probe_sets_torch_threads():
    import torch

    before = torch.get_num_threads()
    try:
        threads = cpu_threads.apply_torch_threads(0)
        assert 1 <= threads <= cpu_threads.usable_cores()
        assert torch.get_num_threads() == threads
    finally:
        torch.set_num_threads(before)


def test_cpu_description_names_the_fast_path_flags(monkeypatch, tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse avx2 fma\n")
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: real_open(info if path == "/proc/cpuinfo" else path, *a, **k))
    assert cpu_threads.cpu_description() == "AMD EPYC [avx2]"
