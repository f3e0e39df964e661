"""
Benchmark (a): the cost of layer fusion. Training-step time, inference time and peak extra
memory of the `dlfa` and `aif` classifiers versus the last-layer baseline, all built from the
shipped configs around a BERT-base-sized encoder with random weights (12 layers, hidden 768,
mBERT's vocabulary), on CPU, batch of `--batch-size` pairs of `--seq-len` wordpieces.

Each variant runs in its own subprocess (fresh allocator, so memory figures do not carry
over), with one thread (`OMP_NUM_THREADS=1`) unless `--threads` says otherwise. Prints a table
and the overhead ratios versus the baseline, measured in this run:

    python benchmarks/fusion_overhead.py [--batch-size 4] [--seq-len 128] [--reps 3]
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

from bench_models import VARIANTS, build_bert_base, build_tiny, setup_offline  # noqa: E402


def worker(args: argparse.Namespace) -> None:
    """Measures one variant and prints one JSON line."""
    setup_offline()
    import torch
    from bench_models import build_classifier
    from memory_sampler import PeakMemory, rss_bytes

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, vocab, _ = build_classifier(args.worker, args.model_dir)
    transformer_params = sum(
        p.numel() for name, p in model.named_parameters() if ".transformer_model." in name
    )
    total_params = sum(p.numel() for p in model.parameters())

    batch, length = args.batch_size, args.seq_len
    ids = torch.randint(1000, 100_000, (batch, length))
    type_ids = torch.zeros_like(ids)
    type_ids[:, length // 2:] = 1
    mask = torch.ones_like(ids, dtype=torch.bool)
    mask[0, length * 3 // 4:] = False  # some padding, as real batches have
    inputs = {"tokens": {"tokens": {"token_ids": ids, "mask": mask, "type_ids": type_ids}},
              "label": torch.randint(0, 2, (batch,))}

    def timed(step, reps):
        """CPU seconds and wall seconds of each of `reps` calls, and the peak extra memory. CPU
        time (one thread) is what the ratios use: on a shared machine, wall time also counts
        the time other processes hold the core."""
        step()  # warm-up: lazy allocations (optimizer state, allocator pools)
        cpu, wall = [], []
        with PeakMemory() as peak:
            for _ in range(reps):
                started_cpu, started_wall = time.thread_time(), time.perf_counter()
                step()
                cpu.append(time.thread_time() - started_cpu)
                wall.append(time.perf_counter() - started_wall)
        return cpu, wall, peak.extra_mb

    model.eval()

    def infer():
        with torch.no_grad():
            model(**inputs)

    inference_cpu, inference_wall, inference_mb = timed(infer, args.reps)

    # The fusion itself, isolated: the seq2vec encoder and classification layer on fixed
    # embedder outputs, many repetitions. The transformer's work is the same in every variant,
    # so this difference is the overhead, measurable far below the noise of full passes.
    with torch.no_grad():
        embedded = model._text_field_embedder(inputs["tokens"])
    head_mask = mask

    def head_infer():
        with torch.no_grad():
            model._classification_layer(model._seq2vec_encoder(embedded, mask=head_mask))

    leaf = embedded.clone().requires_grad_(True)

    def head_train():
        logits = model._classification_layer(model._seq2vec_encoder(leaf, mask=head_mask))
        logits.sum().backward()

    head_infer_cpu, _, _ = timed(head_infer, args.head_reps)
    model.train()
    head_train_cpu, _, _ = timed(head_train, args.head_reps)

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-5)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        model(**inputs)["loss"].backward()
        optimizer.step()

    train_cpu, train_wall, train_mb = timed(train_step, max(1, args.train_reps))
    print(json.dumps({
        "variant": args.worker,
        "params": total_params,
        "fusion_params": total_params - transformer_params,
        "inference_s": statistics.median(inference_cpu),
        "inference_wall_s": min(inference_wall),
        "inference_cpu_all": inference_cpu,
        "train_step_s": statistics.median(train_cpu),
        "train_step_wall_s": min(train_wall),
        "train_cpu_all": train_cpu,
        "head_inference_s": statistics.median(head_infer_cpu),
        "head_train_s": statistics.median(head_train_cpu),
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
    parser.add_argument("--layers", type=int, default=12, help="encoder layers (default 12)")
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "xfuse_bench"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    setup_offline()
    started = time.time()
    tiny = build_tiny(os.path.join(args.work_dir, "tiny"))
    model_dir = build_bert_base(os.path.join(args.work_dir, f"bert_base_{args.layers}"), tiny,
                                num_layers=args.layers)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    results = {}
    for variant in VARIANTS:
        command = [sys.executable, __file__, "--worker", variant, "--model-dir", model_dir,
                   "--batch-size", str(args.batch_size), "--seq-len", str(args.seq_len),
                   "--reps", str(args.reps), "--train-reps", str(args.train_reps),
                   "--head-reps", str(args.head_reps),
                   "--threads", str(args.threads)]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if output.returncode != 0:
            sys.exit(f"{variant} failed:\n{output.stderr[-3000:]}")
        results[variant] = json.loads(output.stdout.strip().splitlines()[-1])
        print(f"  measured {variant}", file=sys.stderr)

    base = results["baseline"]
    print(f"# Fusion overhead — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{args.threads} thread(s), torch {__import__('torch').__version__}")
    print(f"# BERT-base-sized encoder ({args.layers} layers, hidden 768, vocab 119547, random "
          f"weights), batch {args.batch_size} x {args.seq_len} wordpieces, CPU; median CPU "
          f"seconds of {args.reps} inference passes / {args.train_reps} training steps (AdamW)")
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
          f" median CPU ms of {args.head_reps}), and the overhead it implies on a full pass:")
    for variant, result in results.items():
        extra_infer = result["head_inference_s"] - base["head_inference_s"]
        extra_train = result["head_train_s"] - base["head_train_s"]
        print(f"{variant:<9} head infer {1000 * result['head_inference_s']:7.2f} ms, "
              f"fwd+bwd {1000 * result['head_train_s']:7.2f} ms -> implied ratio: inference "
              f"{1 + extra_infer / base['inference_s']:.4f}, training step "
              f"{1 + extra_train / base['train_step_s']:.4f}")
    print(f"# +MB: peak resident memory above the level before the timed block (activations,"
          f" gradients); wall: fastest wall-clock seconds (machine shared); total "
          f"{time.time() - started:.0f} s")
    print(json.dumps({"benchmark": "fusion_overhead", "args": vars(args), "results": results}))


if __name__ == "__main__":
    main()
