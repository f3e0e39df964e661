"""
Benchmark (a): the cost of layer fusion. Training-step time, inference time and peak extra
memory of the `dlfa` and `aif` classifiers versus the last-layer baseline, all built from the
shipped configs around a BERT-base-sized encoder with random weights (12 layers, hidden 768,
mBERT's vocabulary; `--encoder tiny` for the tiny local BERT instead), batch of `--batch-size`
pairs of `--seq-len` wordpieces, on the CPU or a GPU (`--device`), in float32 or under autocast
(`--amp bf16|fp16`, with loss scaling for fp16 training steps).

Each variant runs in its own subprocess (fresh allocator, so memory figures do not carry
over), with one thread (`OMP_NUM_THREADS=1`) unless `--threads` says otherwise. On the CPU
the times are CPU seconds of that thread and memory the resident set; on CUDA they are wall
seconds between synchronizations and memory the CUDA allocator's peak. Prints a table and the
overhead ratios versus the baseline, measured in this run:

    python benchmarks/fusion_overhead.py [--batch-size 4] [--seq-len 128] [--reps 3]
    python benchmarks/fusion_overhead.py --device cuda --amp bf16 --batch-size 32 --reps 20
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
    model, vocab, _ = build_classifier(args.worker, args.model_dir)
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
        # backward outside autocast, as torch's AMP recipe has it; no loss scaling here: the
        # gradients are only timed, never applied
        with autocast(device, args.amp):
            logits = model._classification_layer(model._seq2vec_encoder(leaf, mask=head_mask))
        logits.float().sum().backward()

    head_infer_times, _, _ = timed(head_infer, args.head_reps)
    model.train()
    head_train_times, _, _ = timed(head_train, args.head_reps)

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
        "inference_extra_mb": inference_mb,
        "train_extra_mb": train_mb,
        "rss_mb": rss_bytes() / 2**20,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--reps", type=int, default=3, help="timed inference passes")
    parser.add_argument("--train-reps", type=int, default=2, help="timed training steps")
    parser.add_argument("--head-reps", type=int, default=30,
                        help="timed passes of the fusion head alone")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--layers", type=int, default=12,
                        help="BERT-base encoder layers (default 12)")
    parser.add_argument("--encoder", choices=("bert-base", "tiny"), default="bert-base",
                        help="bert-base (default): BERT-base-sized, random weights; tiny: the "
                        "tiny local BERT (12 layers, hidden 32), for quick checks")
    add_device_arguments(parser)
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "xfuse_bench"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

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
        command = [sys.executable, __file__, "--worker", variant, "--model-dir", model_dir,
                   "--batch-size", str(args.batch_size), "--seq-len", str(args.seq_len),
                   "--reps", str(args.reps), "--train-reps", str(args.train_reps),
                   "--head-reps", str(args.head_reps),
                   "--threads", str(args.threads), "--device", args.device, "--amp", args.amp]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if output.returncode != 0:
            sys.exit(f"{variant} failed:\n{output.stderr[-3000:]}")
        results[variant] = json.loads(output.stdout.strip().splitlines()[-1])
        print(f"  measured {variant}", file=sys.stderr)

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
    print(f"# {encoder}, batch {args.batch_size} x {args.seq_len} wordpieces; median {unit} of "
          f"{args.reps} inference passes / {args.train_reps} training steps (AdamW"
          f"{', GradScaler' if args.amp == 'fp16' else ''})")
    header = (f"{'model':<9} {'params':>11} {'+fusion':>9} {'infer s':>8} {'x base':>7} "
              f"{'train s':>8} {'x base':>7} {'infer +MB':>10} {'train +MB':>10} "
              f"{'wall infer/train':>17}")
    print(header)
    print("-" * len(header))
    for variant, result in results.items():
        infer_ratio = result["inference_s"] / base["inference_s"]
        train_ratio = result["train_step_s"] / base["train_step_s"]
        print(f"{variant:<9} {result['params']:>11,} {result['fusion_params']:>9,} "
              f"{result['inference_s']:>8.3f} {infer_ratio:>7.3f} "
              f"{result['train_step_s']:>8.3f} {train_ratio:>7.3f} "
              f"{result['inference_extra_mb']:>10.1f} {result['train_extra_mb']:>10.1f} "
              f"{result['inference_wall_s']:>8.2f}/{result['train_step_wall_s']:<8.2f}")
    print("# fusion head alone (seq2vec encoder + classification layer on fixed embedder output,"
          f" median {'wall' if on_cuda else 'CPU'} ms of {args.head_reps}), and the overhead it "
          "implies on a full pass:")
    for variant, result in results.items():
        extra_infer = result["head_inference_s"] - base["head_inference_s"]
        extra_train = result["head_train_s"] - base["head_train_s"]
        print(f"{variant:<9} head infer {1000 * result['head_inference_s']:7.2f} ms, "
              f"fwd+bwd {1000 * result['head_train_s']:7.2f} ms -> implied ratio: inference "
              f"{1 + extra_infer / base['inference_s']:.4f}, training step "
              f"{1 + extra_train / base['train_step_s']:.4f}")
    memory = "CUDA allocator's peak" if on_cuda else "peak resident memory"
    print(f"# +MB: {memory} above the level before the timed block (activations, gradients); "
          f"wall: fastest wall-clock seconds (machine shared); total "
          f"{time.time() - started:.0f} s")
    print(json.dumps({"benchmark": "fusion_overhead", "args": vars(args), "results": results}))


if __name__ == "__main__":
    main()
