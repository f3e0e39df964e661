"""
`--device` and `--amp` for the benchmarks: argument parsing, the refusal of a CUDA device that
is not there, autocast, gradient scaling, synchronization around timed regions, and the words
the figures' headers print.

    --device {cpu,cuda}        where the models and batches live (default cpu; cuda = GPU 0
                               of those CUDA_VISIBLE_DEVICES shows)
    --amp {none,bf16,fp16}     `torch.autocast(device, dtype)` around every forward pass
                               (default none: float32); fp16 training steps also scale the loss
                               with a `GradScaler`
"""
import argparse
import contextlib
import sys
from typing import Callable, ContextManager, Dict, Optional

DEVICES = ("cpu", "cuda")
AMPS = ("none", "bf16", "fp16")

# aten ops that run no kernel: views and metadata (a new shape or stride over the same memory),
# allocations, and the no-op forms of `to`, `contiguous` and `dropout` (their kernel, when
# they have one, is a child op such as `copy_`, counted instead).
NO_KERNEL_OPS = frozenset(
    f"aten::{name}" for name in (
        "_reshape_alias", "_unsafe_view", "alias", "as_strided", "chunk", "contiguous",
        "detach", "detach_", "dropout", "empty", "empty_like", "empty_strided", "expand",
        "expand_as", "lift_fresh", "narrow", "new_empty", "new_empty_strided", "numel",
        "permute", "promote_types", "reshape", "resize_", "resolve_conj", "resolve_neg",
        "result_type", "select", "size", "slice", "split", "split_with_sizes", "squeeze",
        "stride", "t", "to", "transpose", "unbind", "unsqueeze", "view", "view_as",
    )
)

# Exit status of a benchmark asked for a device it cannot have: the usage-error status of
# argparse, so scripts can tell "wrong request" (2) from "benchmark failed" (1).
EXIT_NO_DEVICE = 2


def add_device_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Adds `--device` and `--amp` to a benchmark's parser.

    # Parameters

    parser : `argparse.ArgumentParser`
        The benchmark's parser.
    """
    parser.add_argument("--device", choices=DEVICES, default="cpu",
                        help="where to run the models (default cpu; cuda = the first visible GPU)")
    parser.add_argument("--amp", choices=AMPS, default="none",
                        help="autocast dtype around forward passes (default none = float32); "
                        "fp16 training steps also use a GradScaler")


def resolve_device(args: argparse.Namespace, program: str):
    """
    The `torch.device` of `args.device`, or exits with status 2 and one line on stderr when
    `--device cuda` is asked for and no CUDA GPU is visible: a benchmark that quietly fell back
    to the CPU would print CPU figures under a GPU heading.

    # Parameters

    args : `argparse.Namespace`
        Parsed arguments with `device` and `amp` (see `add_device_arguments`).
    program : `str`
        The benchmark's name, for the message.
    """
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"{program}: --device cuda, but no CUDA GPU is visible "
              f"(torch.cuda.is_available() is False); run with --device cpu",
              file=sys.stderr)
        sys.exit(EXIT_NO_DEVICE)
    return torch.device("cuda", 0) if args.device == "cuda" else torch.device("cpu")


def cuda_index(device) -> int:
    """
    AllenNLP's `cuda_device` for `device`: the GPU index, or -1 for the CPU.

    # Parameters

    device : `torch.device`
    """
    return -1 if device.type == "cpu" else (device.index or 0)


def amp_dtype(amp: str):
    """
    The autocast dtype of an `--amp` value, `None` for "none".

    # Parameters

    amp : `str`
        One of `AMPS`.
    """
    import torch

    return {"none": None, "bf16": torch.bfloat16, "fp16": torch.float16}[amp]


def autocast(device, amp: str) -> ContextManager:
    """
    `torch.autocast(device.type, dtype)` for `--amp bf16|fp16`, a no-op context for "none".
    Autocast is thread-local: it covers forward passes run in this thread, AllenNLP's and
    TextAttack's included.

    # Parameters

    device : `torch.device`
    amp : `str`
        One of `AMPS`.
    """
    import torch

    dtype = amp_dtype(amp)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def grad_scaler(device, amp: str):
    """
    A `torch.amp.GradScaler` for fp16 training steps, `None` otherwise: fp16 gradients of small
    losses underflow to zero without loss scaling; bf16 has float32's exponent range and needs
    none.

    # Parameters

    device : `torch.device`
    amp : `str`
        One of `AMPS`.
    """
    import torch

    return torch.amp.GradScaler(device.type) if amp == "fp16" else None


def synchronize(device) -> None:
    """
    Waits for the GPU's queued kernels, so a timer read afterwards includes them (CUDA calls
    return before the work is done). A no-op on the CPU.

    # Parameters

    device : `torch.device`
    """
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def describe(device, amp: str) -> str:
    """
    The device and precision for a figures' header, e.g. "cuda:0 (NVIDIA H100 80GB HBM3),
    AMP bf16" or "CPU, float32".

    # Parameters

    device : `torch.device`
    amp : `str`
        One of `AMPS`.
    """
    import torch

    if device.type == "cuda":
        name = f"cuda:{device.index or 0} ({torch.cuda.get_device_name(device)})"
    else:
        name = "CPU"
    return f"{name}, {'float32' if amp == 'none' else f'AMP {amp}'}"


def reset_peak_memory(device) -> Optional[int]:
    """
    On CUDA, resets the allocator's peak statistic and returns the bytes allocated now (the
    baseline a later `peak_extra_mb` subtracts); `None` on the CPU, where the benchmarks sample
    the resident set size instead.

    # Parameters

    device : `torch.device`
    """
    import torch

    if device.type != "cuda":
        return None
    synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    return torch.cuda.memory_allocated(device)


def peak_extra_mb(device, start_bytes: int) -> float:
    """
    MiB allocated on the GPU at the peak since `reset_peak_memory`, above `start_bytes`.

    # Parameters

    device : `torch.device`
    start_bytes : `int`
        What `reset_peak_memory` returned.
    """
    import torch

    synchronize(device)
    return (torch.cuda.max_memory_allocated(device) - start_bytes) / 2**20


def count_kernels(function: Callable[[], object], device) -> Dict[str, Optional[int]]:
    """
    Runs `function` once under `torch.profiler` and counts what it launched:

    - `"ops"`: the aten operators that run a kernel on the host's view of the work: every
      `aten::` op with no such op below it (so `aten::linear` counts once, as its `mm`), minus
      `NO_KERNEL_OPS`. On the CPU this is the number of kernels; for code compiled by
      `torch.compile`, whose fused kernels are not aten ops, it counts only the aten calls left.
    - `"cuda_kernels"`: the kernels (and memory copies/sets) the GPU ran, on CUDA; `None` on
      the CPU.

    # Parameters

    function : `Callable[[], object]`
        What to profile, e.g. one forward and backward pass; warm it up first (the first
        call of a compiled function, or of cuBLAS, launches one-off work).
    device : `torch.device`
    """
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    synchronize(device)
    with profile(activities=activities) as profiler:
        function()
        synchronize(device)
    events = profiler.events()

    def is_kernel_op(event) -> bool:
        return (event.device_type == DeviceType.CPU and event.name.startswith("aten::")
                and event.name not in NO_KERNEL_OPS)

    below: Dict[int, bool] = {}

    def has_kernel_op_below(event) -> bool:
        # memoized: each event is asked about by its parent and by every ancestor above it
        key = id(event)
        if key not in below:
            below[key] = any(is_kernel_op(child) or has_kernel_op_below(child)
                             for child in event.cpu_children)
        return below[key]

    # the lowest kernel-running op of each chain: aten::linear -> aten::matmul -> aten::mm
    # counts once, as its mm
    ops = sum(1 for event in events if is_kernel_op(event) and not has_kernel_op_below(event))
    cuda_kernels = None
    if device.type == "cuda":
        cuda_kernels = sum(1 for event in events if event.device_type == DeviceType.CUDA)
    return {"ops": ops, "cuda_kernels": cuda_kernels}
