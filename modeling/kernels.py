"""Kernel choices: GPU attention for batches whose shapes change every step, and CPU bf16 support.

    from modeling.kernels import attention_without_cudnn, cpu_has_native_bf16, shape_agnostic_attention
    shape_agnostic_attention()            # a training process, before its first step
    with attention_without_cudnn():       # library code (the predictor), around one forward
        model(...)

On Hopper, torch routes scaled-dot-product attention to cuDNN, which builds an
execution plan for every new (batch, length) shape. Dynamic padding and
token-budget batches give nearly every step a new shape, so a plan was built
every step, and building it took longer on the host than the step took on the
GPU (torch.profiler: scripts/benchmark_train.py --profile; the numbers are in
the README's benchmark section). Flash and memory-efficient attention, next in
line, need no plan. Neither changes anything on a CPU.
"""
from __future__ import annotations


def shape_agnostic_attention() -> None:
    """Turn the cuDNN attention backend off for the whole process."""
    import torch

    torch.backends.cuda.enable_cudnn_sdp(False)


def attention_without_cudnn():
    """A context in which attention may use flash, memory-efficient or math kernels, never cuDNN."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH])


def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: bf16 matmuls run natively instead of being emulated (slower than fp32)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            flags = fh.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
