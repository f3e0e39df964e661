"""
Benchmark (a): the cost of layer fusion. Training-step time, inference time and peak extra
memory of the `dlfa` and `aif` classifiers versus the last-layer baseline, all built from the
shipped configs around a BERT-base-sized encoder with random weights (12 layers, hidden 768,
mBERT's vocabulary; `--encoder tiny` for the tiny local BERT instead), batch of `--batch-size`
pairs of `--seq-len` wordpieces, on the CPU or a GPU (`--device`), in float32 or under autocast
(`--amp bf16|fp16`, with loss scaling for fp16 training steps).

The fusion head alone (the seq2vec encoder and classification layer on a fixed embedder
output) is timed too, forward and forward+backward, and profiled with `torch.profiler`: the
aten operators that run a kernel, and on CUDA the GPU kernels launched. `--implementations
eager,compiled` measures the fusion's `torch.compile` implementation next to the eager one
(the baseline has no fusion: measured once).

Each variant runs in its own subprocess (fresh allocator, so memory figures do not carry
over), with one thread (`OMP_NUM_THREADS=1`) unless `--threads` says otherwise. On the CPU
the times are CPU seconds of that thread and memory the resident set; on CUDA they are wall
seconds between synchronizations and memory the CUDA allocator's peak. Prints a table and
every figure's ratio to the baseline's, measured in this run:

    python benchmarks/fusion_overhead.py [--batch-size 4] [--seq-len 128] [--reps 3]
    python benchmarks/fusion_overhead.py --head-only --batch-size 32 \
        --implementations eager,compiled
    python benchmarks/fusion_overhead.py --device cuda --amp bf16 --batch-size 32 --reps 20 \
        --head-reps 100 --implementations eager,compiled
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_device import (  # noqa: E402
    add_device_arguments,
    autocast,
    count_kernels,
    describe,
    grad_scaler,
    peak_extra_mb,
    reset_peak_memory,
    resolve_device,
    synchronize,
)
from bench_models import (  # noqa: E402
    VARIANTS,
    build_bert_base,
    build_tiny,
    hidden_size,
    setup_offline,
    vocab_size,
)


def worker(args: argparse.Namespace) -> None:
    """
    Measures one variant (`args.worker`) and prints one JSON line.

    # Parameters

    args : `argparse.Namespace`
        The parsed arguments of `main`, plus the hidden `worker` and `model_dir`.
    """
    setup_offline()
    import torch
    from bench_models import build_classifier
    from memory_sampler import PeakMemory, rss_bytes

    device = resolve_device(args, "fusion_overhead.py")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    extra = {}
    if args.implementation != "eager":
        extra["model.seq2vec_encoder.implementation"] = args.implementation
    model, vocab, _ = build_classifier(args.worker, args.model_dir, extra)
    model.to(device)
    transformer_params = sum(
        p.numel() for name, p in model.named_parameters() if ".transformer_model." in name
    )
    total_params = sum(p.numel() for p in model.parameters())

    batch, length = args.batch_size, args.seq_len
    # ids inside the encoder's vocabulary, clear of the special tokens at its start
    vocab_limit = vocab_size(args.model_dir)
    ids = torch.randint(min(1000, vocab_limit // 2), vocab_limit, (batch, length))
    type_ids = torch.zeros_like(ids)
    type_ids[:, length // 2:] = 1
    mask = torch.ones_like(ids, dtype=torch.bool)
    mask[0, length * 3 // 4:] = False  # some padding, as real batches have
    ids, type_ids, mask = ids.to(device), type_ids.to(device), mask.to(device)
    inputs = {"tokens": {"tokens": {"token_ids": ids, "mask": mask, "type_ids": type_ids}},
              "label": torch.randint(0, 2, (batch,)).to(device)}
    on_cuda = device.type == "cuda"

    def timed(step, reps):
        """The primary seconds and wall seconds of each of `reps` calls, and the peak extra
        memory. Primary on the CPU: CPU time of this (single) thread, since on a shared machine
        wall time also counts the time other processes hold the core. Primary on CUDA: wall
        time between synchronizations, since the host thread only queues kernels."""
        step()  # warm-up: lazy allocations (optimizer state, allocator pools, cuBLAS handles)
        synchronize(device)
        primary, wall = [], []
        cuda_start = reset_peak_memory(device)
        with PeakMemory() as peak:
            for _ in range(reps):
                synchronize(device)
                started_cpu, started_wall = time.thread_time(), time.perf_counter()
                step()
                synchronize(device)
                wall.append(time.perf_counter() - started_wall)
                primary.append(wall[-1] if on_cuda else time.thread_time() - started_cpu)
        extra_mb = peak_extra_mb(device, cuda_start) if on_cuda else peak.extra_mb
        return primary, wall, extra_mb

    model.eval()

    def infer():
        with torch.no_grad(), autocast(device, args.amp):
            model(**inputs)

    if not args.head_only:
        inference_times, inference_wall, inference_mb = timed(infer, args.reps)

    # The fusion itself, isolated: the seq2vec encoder and classification layer on fixed
    # embedder outputs, many repetitions. The transformer's work is the same in every variant,
    # so this difference is the overhead, measurable far below the noise of full passes.
    # Under AMP the embedder output is computed under autocast too: the head then gets the
    # dtype it gets in a full autocast pass.
    with torch.no_grad(), autocast(device, args.amp):
        embedded = model._text_field_embedder(inputs["tokens"])
    head_mask = mask

    def head_infer():
        with torch.no_grad(), autocast(device, args.amp):
            model._classification_layer(model._seq2vec_encoder(embedded, mask=head_mask))

    leaf = embedded.clone().requires_grad_(True)

    def head_train():
        # as in a training step: gradients start from None (zero_grad(set_to_none=True)), so
        # the backward pass writes them instead of adding to the last ones
        model.zero_grad(set_to_none=True)
        leaf.grad = None
        # backward outside autocast, as torch's AMP recipe has it; no loss scaling here: the
        # gradients are only timed, never applied
        with autocast(device, args.amp):
            logits = model._classification_layer(model._seq2vec_encoder(leaf, mask=head_mask))
        logits.float().sum().backward()

    head_infer_times, _, _ = timed(head_infer, args.head_reps)
    # after the timed (so warmed-up: compiled, cuBLAS handles) calls
    head_infer_counts = count_kernels(head_infer, device)
    model.train()
    head_train_times, _, _ = timed(head_train, args.head_reps)
    head_train_counts = count_kernels(head_train, device)
    if args.head_only:
        print(json.dumps({
            "variant": args.worker, "implementation": args.implementation,
            "device": str(device), "amp": args.amp,
            "head_inference_s": statistics.median(head_infer_times),
            "head_train_s": statistics.median(head_train_times),
            "head_inference_ops": head_infer_counts["ops"],
            "head_train_ops": head_train_counts["ops"],
            "head_inference_cuda_kernels": head_infer_counts["cuda_kernels"],
            "head_train_cuda_kernels": head_train_counts["cuda_kernels"],
        }))
        return

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-5)

    scaler = grad_scaler(device, args.amp)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, args.amp):
            loss = model(**inputs)["loss"]
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:  # fp16: scaled loss, unscaled (and inf-checked) gradients before the step
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()

    train_times, train_wall, train_mb = timed(train_step, max(1, args.train_reps))
    print(json.dumps({
        "variant": args.worker,
        "implementation": args.implementation,
        "device": str(device),
        "amp": args.amp,
        "params": total_params,
        "fusion_params": total_params - transformer_params,
        "inference_s": statistics.median(inference_times),
        "inference_wall_s": min(inference_wall),
        "inference_all_s": inference_times,
        "train_step_s": statistics.median(train_times),
        "train_step_wall_s": min(train_wall),
        "train_all_s": train_times,
        "head_inference_s": statistics.median(head_infer_times),
        "head_train_s": statistics.median(head_train_times),
        "head_inference_ops": head_infer_counts["ops"],
        "head_train_ops": head_train_counts["ops"],
        "head_inference_cuda_kernels": head_infer_counts["cuda_kernels"],
        "head_train_cuda_kernels": head_train_counts["cuda_kernels"],
        "inference_extra_mb": inference_mb,
        "train_extra_mb": train_mb,
        "rss_mb": rss_bytes() / 2**20,
    }))


def _ratio(value, base) -> str:
    """`value / base` for the tables, "-" where either is missing (no CUDA counts on the CPU)."""
    if value is None or base is None or base == 0:
        return "-"
    return f"{value / base:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--reps", type=int, default=3, help="timed inference passes")
    parser.add_argument("--train-reps", type=int, default=2, help="timed training steps")
    parser.add_argument("--head-reps", type=int, default=30,
                        help="timed passes of the fusion head alone")
    parser.add_argument("--head-only", action="store_true",
                        help="measure the fusion head alone, not the full inference and "
                        "training passes (fast; for the head's times and kernel counts)")
    parser.add_argument("--implementations", default="eager",
                        help="comma-separated fusion implementations to measure, of eager "
                        "and compiled (default eager; compiled = torch.compile, which pays "
                        "its compilation, a minute or more per graph on a small CPU, first)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--layers", type=int, default=12,
                        help="BERT-base encoder layers (default 12)")
    parser.add_argument("--encoder", choices=("bert-base", "tiny"), default="bert-base",
                        help="bert-base (default): BERT-base-sized, random weights; tiny: the "
                        "tiny local BERT (12 layers, hidden 32), for quick checks")
    add_device_arguments(parser)
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "xfuse_bench"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--implementation", default="eager", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    implementations = [name.strip() for name in args.implementations.split(",") if name.strip()]
    unknown = sorted(set(implementations) - {"eager", "compiled"})
    if unknown or not implementations:
        parser.error(f"--implementations: unknown {', '.join(unknown) or '(none given)'}; "
                     "choose from eager, compiled")

    setup_offline()
    # refuse a missing GPU before building anything
    device = resolve_device(args, "fusion_overhead.py")
    started = time.time()
    tiny = build_tiny(os.path.join(args.work_dir, "tiny"))
    if args.encoder == "tiny":
        model_dir = tiny
    else:
        model_dir = build_bert_base(os.path.join(args.work_dir, f"bert_base_{args.layers}"),
                                    tiny, num_layers=args.layers)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    results = {}
    for variant in VARIANTS:
        # the baseline has no fusion to compile
        for implementation in ["eager"] if variant == "baseline" else implementations:
            command = [sys.executable, __file__, "--worker", variant, "--model-dir", model_dir,
                       "--implementation", implementation,
                       "--batch-size", str(args.batch_size), "--seq-len", str(args.seq_len),
                       "--reps", str(args.reps), "--train-reps", str(args.train_reps),
                       "--head-reps", str(args.head_reps),
                       "--threads", str(args.threads), "--device", args.device,
                       "--amp", args.amp] + (["--head-only"] if args.head_only else [])
            output = subprocess.run(command, env=env, capture_output=True, text=True,
                                    check=False)
            name = variant if implementation == "eager" else f"{variant}/{implementation}"
            if output.returncode != 0:
                sys.exit(f"{name} failed:\n{output.stderr[-3000:]}")
            results[name] = json.loads(output.stdout.strip().splitlines()[-1])
            print(f"  measured {name}", file=sys.stderr)

    base = results["baseline"]
    on_cuda = device.type == "cuda"
    unit = "synchronized wall seconds" if on_cuda else "CPU seconds"
    if args.encoder == "tiny":
        encoder = (f"tiny local BERT (hidden {hidden_size(model_dir)}, vocab "
                   f"{vocab_size(model_dir)}, random weights)")
    else:
        encoder = (f"BERT-base-sized encoder ({args.layers} layers, hidden 768, vocab 119547, "
                   f"random weights)")
    print(f"# Fusion overhead — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{args.threads} thread(s), torch {__import__('torch').__version__}; "
          f"device {describe(device, args.amp)}")
    print(f"# {encoder}, batch {args.batch_size} x {args.seq_len} wordpieces")
    if not args.head_only:
        print(f"# median {unit} of {args.reps} inference passes / {args.train_reps} training "
              f"steps (AdamW{', GradScaler' if args.amp == 'fp16' else ''})")
        header = (f"{'model':<14} {'params':>11} {'+fusion':>9} {'infer s':>8} {'x base':>7} "
                  f"{'train s':>8} {'x base':>7} {'infer +MB':>10} {'train +MB':>10} "
                  f"{'wall infer/train':>17}")
        print(header)
        print("-" * len(header))
        for name, result in results.items():
            print(f"{name:<14} {result['params']:>11,} {result['fusion_params']:>9,} "
                  f"{result['inference_s']:>8.3f} "
                  f"{_ratio(result['inference_s'], base['inference_s']):>7} "
                  f"{result['train_step_s']:>8.3f} "
                  f"{_ratio(result['train_step_s'], base['train_step_s']):>7} "
                  f"{result['inference_extra_mb']:>10.1f} {result['train_extra_mb']:>10.1f} "
                  f"{result['inference_wall_s']:>8.2f}/{result['train_step_wall_s']:<8.2f}")
    print("# fusion head alone (seq2vec encoder + classification layer on fixed embedder output):"
          f" median {'wall' if on_cuda else 'CPU'} ms of {args.head_reps} passes; ops = aten "
          "operators that run a kernel (torch.profiler, one pass)"
          + ("; kernels = CUDA kernels" if on_cuda else ""))
    header = (f"{'head':<14} {'infer ms':>9} {'x base':>7} {'fwd+bwd ms':>11} {'x base':>7} "
              f"{'infer ops':>10} {'x base':>7} {'fwd+bwd ops':>12} {'x base':>7}")
    if on_cuda:
        header += f" {'infer kern':>11} {'x base':>7} {'f+b kern':>9} {'x base':>7}"
    print(header)
    print("-" * len(header))
    for name, result in results.items():
        line = (f"{name:<14} {1000 * result['head_inference_s']:>9.2f} "
                f"{_ratio(result['head_inference_s'], base['head_inference_s']):>7} "
                f"{1000 * result['head_train_s']:>11.2f} "
                f"{_ratio(result['head_train_s'], base['head_train_s']):>7} "
                f"{result['head_inference_ops']:>10} "
                f"{_ratio(result['head_inference_ops'], base['head_inference_ops']):>7} "
                f"{result['head_train_ops']:>12} "
                f"{_ratio(result['head_train_ops'], base['head_train_ops']):>7}")
        if on_cuda:
            infer_kernels, train_kernels = (result["head_inference_cuda_kernels"],
                                            result["head_train_cuda_kernels"])
            line += (f" {infer_kernels:>11} "
                     f"{_ratio(infer_kernels, base['head_inference_cuda_kernels']):>7} "
                     f"{train_kernels:>9} "
                     f"{_ratio(train_kernels, base['head_train_cuda_kernels']):>7}")
        print(line)
    if not args.head_only:
        print("# the head's extra time over the baseline's head, as a ratio of a full pass:")
        for name, result in results.items():
            extra_infer = result["head_inference_s"] - base["head_inference_s"]
            extra_train = result["head_train_s"] - base["head_train_s"]
            print(f"{name:<14} implied ratio: inference "
                  f"{1 + extra_infer / base['inference_s']:.4f}, training step "
                  f"{1 + extra_train / base['train_step_s']:.4f}")
        memory = "CUDA allocator's peak" if on_cuda else "peak resident memory"
        print(f"# +MB: {memory} above the level before the timed block (activations, "
              f"gradients); wall: fastest wall-clock seconds (machine shared)")
    print(f"# total {time.time() - started:.0f} s")
    print(json.dumps({"benchmark": "fusion_overhead", "args": vars(args), "results": results}))


if __name__ == "__main__":
    main()
