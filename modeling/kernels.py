"""Kernel choices: GPU attention for batches whose shapes change every step, and CPU bf16 support.

    from modeling.kernels import attention_without_cudnn, cpu_has_native_bf16, shape_agnostic_attention
    shape_agnostic_attention()            # a training process, before its first step
    with attention_without_cudnn():       # library code (the predictor), around one forward
        model(...)

On Hopper, torch 2.11 routes scaled-dot-product attention to cuDNN, which
builds an execution plan for every new (batch, length) shape. Dynamic padding
and token-budget batches give nearly every step a new shape, so a plan was
built every step: 23-25 ms of host time per attention call, 60 calls in 10
training steps of the 6-layer model, against 8.9 ms of GPU time per step
(torch.profiler on an H200: scripts/benchmark_train.py --profile). Flash and
memory-efficient attention, next in line, need no plan. Measured on the H200,
DistilBERT-multilingual shape, batch 256, the same data: 3,236 samples/s with
cuDNN attention, 8,519 without. Neither changes anything on a CPU.
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
