"""
Benchmark (b): AllenNLP's evaluation pipeline versus a plain Hugging Face loop, same model, same
data. The model is the shipped baseline config (`pretrained_transformer` embedder, [CLS], linear
layer) archived untrained around (1) the tiny local BERT, where the pipeline's own cost shows,
and (2) a BERT-base-sized encoder with random weights, where the transformer dominates.

- allennlp: `allennlp evaluate`'s code path (`evaluate_from_archive`: archive, its reader and
  data loader config, `Evaluator`) end to end, and its evaluation loop alone (archive loaded);
- hf: read the TSV with `csv`, tokenize each batch with the Hugging Face tokenizer (pairs,
  longest-first truncation to 128, padding to the batch's longest), run the same transformer
  module and linear layer under `torch.no_grad`.

Both at the same batch size, one thread, on the same device (`--device cpu|cuda`) and precision
(`--amp none|bf16|fp16`: every loop runs under the same autocast); best of `--rounds`
alternating runs (the machine is shared). Prints pairs/s and the ratio, and checks both give the
same predictions' accuracy:

    python benchmarks/evaluate_throughput.py [--batch-size 32] [--rounds 2]
    python benchmarks/evaluate_throughput.py --device cuda --amp bf16
"""
import argparse
import csv
import json
import logging
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_device import (  # noqa: E402
    add_device_arguments,
    autocast,
    cuda_index,
    describe,
    resolve_device,
    synchronize,
)
from bench_models import (  # noqa: E402
    REPO_ROOT,
    build_bert_base,
    build_classifier,
    build_tiny,
    save_archive,
    setup_offline,
)

SAMPLE_DIR = REPO_ROOT / "allennlp_xfuse" / "data" / "sample" / "pawsx"


def read_pairs(paths):
    """
    `(sentence1, sentence2, label)` of every row of PAWS-X files with a header.

    # Parameters

    paths : `Sequence[Union[str, Path]]`
    """
    pairs = []
    for path in paths:
        with open(path, encoding="utf-8") as tsv:
            for row in csv.DictReader(tsv, delimiter="\t", quoting=csv.QUOTE_NONE):
                pairs.append((row["sentence1"], row["sentence2"], row["label"]))
    return pairs


def allennlp_loop(archive, data_path: str, batch_size: int, device):
    """
    The evaluation loop of `allennlp evaluate` on a loaded archive: data loader from the
    archive's config and validation reader, `Evaluator`. Returns its metrics.

    # Parameters

    archive : `Archive`
        Loaded on `device`.
    data_path : `str`
    batch_size : `int`
    device : `torch.device`
        Where the evaluator moves the batches.
    """
    from copy import deepcopy

    from allennlp.data import DataLoader
    from allennlp.evaluation import Evaluator

    config = deepcopy(archive.config)
    loader_params = config.get("validation_data_loader", None) or config.get("data_loader")
    loader_params["batch_size"] = batch_size
    loader = DataLoader.from_params(params=loader_params, reader=archive.validation_dataset_reader,
                                    data_path=data_path)
    loader.index_with(archive.model.vocab)
    evaluator_params = config.pop("evaluation", {})
    evaluator_params["cuda_device"] = cuda_index(device)
    return Evaluator.from_params(evaluator_params)(archive.model, loader)


def hf_loop(model, tokenizer, data_paths, batch_size: int, device) -> float:
    """
    The plain loop; returns accuracy.

    # Parameters

    model : `Model`
        The archive's `basic_classifier`, on `device`; its transformer and linear layer run.
    tokenizer : `PreTrainedTokenizerBase`
    data_paths : `Sequence[Union[str, Path]]`
    batch_size : `int`
    device : `torch.device`
        Where each tokenized batch goes.
    """
    import torch

    transformer = model._text_field_embedder._token_embedders["tokens"].transformer_model
    linear = model._classification_layer
    index_to_label = model.vocab.get_index_to_token_vocabulary("labels")
    pairs = read_pairs(data_paths)
    correct = 0
    with torch.no_grad():
        for start in range(0, len(pairs), batch_size):
            batch = pairs[start:start + batch_size]
            encoded = tokenizer([p[0] for p in batch], [p[1] for p in batch], truncation=True,
                                max_length=128, padding=True, return_tensors="pt").to(device)
            cls = transformer(**encoded).last_hidden_state[:, 0]
            predictions = linear(cls).argmax(dim=-1).tolist()
            correct += sum(index_to_label[p] == b[2] for p, b in zip(predictions, batch))
    return correct / len(pairs)


def measure(name: str, model_dir: str, data_paths, args, work_dir: str, device) -> dict:
    """
    Both pipelines on one model, `args.rounds` times; the best time of each.

    # Parameters

    name : `str`
        The model's name in the table (and its archive directory).
    model_dir : `str`
        The encoder, a directory written by `save_pretrained`.
    data_paths : `Sequence[Path]`
        The PAWS-X files to evaluate on.
    args : `argparse.Namespace`
        `batch_size`, `rounds`, `amp`.
    work_dir : `str`
    device : `torch.device`
    """
    import torch
    from allennlp.commands.evaluate import evaluate_from_archive
    from allennlp.models.archival import load_archive
    from transformers import AutoTokenizer

    torch.manual_seed(0)
    model, vocab, params = build_classifier("baseline", model_dir)
    archive_file = save_archive(model, vocab, params, os.path.join(work_dir, f"archive_{name}"))
    # one data path for the whole set (the pawsx reader expands globs), so both sides run a
    # single pass; a comma list would make `evaluate` report each file separately
    data_path = (str(data_paths[0]) if len(data_paths) == 1
                 else str(SAMPLE_DIR / "*" / "test_2k.tsv"))
    num_pairs = len(read_pairs(data_paths))

    archive = load_archive(archive_file, cuda_device=cuda_index(device))
    archive.model.eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    timings = {"allennlp_end_to_end": [], "allennlp_loop": [], "hf_loop": []}
    accuracy = {}
    runs = {
        "allennlp_end_to_end": lambda: evaluate_from_archive(
            archive_file, data_path, batch_size=args.batch_size,
            cuda_device=cuda_index(device))["accuracy"],
        "allennlp_loop": lambda: allennlp_loop(
            archive, data_path, args.batch_size, device)["accuracy"],
        "hf_loop": lambda: hf_loop(archive.model, tokenizer, data_paths, args.batch_size, device),
    }
    for _ in range(args.rounds):
        for key, run in runs.items():
            synchronize(device)
            started = time.perf_counter()
            # autocast is thread-local, so it also covers the forward passes AllenNLP's
            # evaluator makes
            with autocast(device, args.amp):
                accuracy[key] = run()
            synchronize(device)
            timings[key].append(time.perf_counter() - started)
    best = {key: min(values) for key, values in timings.items()}
    return {"model": name, "pairs": num_pairs, "seconds": best, "all": timings,
            "pairs_per_s": {key: num_pairs / value for key, value in best.items()},
            "accuracy": accuracy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--bert-base-languages", default="de",
                        help="sample test files for the BERT-base run (comma list; default de)")
    parser.add_argument("--skip-bert-base", action="store_true")
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "xfuse_bench"))
    add_device_arguments(parser)
    args = parser.parse_args()

    setup_offline()
    import torch

    device = resolve_device(args, "evaluate_throughput.py")

    torch.set_num_threads(1)
    logging.disable(logging.INFO)  # AllenNLP logs every config value at INFO
    import allennlp_xfuse  # noqa: F401

    started = time.time()
    tiny = build_tiny(os.path.join(args.work_dir, "tiny"))
    runs = [("tiny", tiny, sorted(SAMPLE_DIR.glob("*/test_2k.tsv")))]
    if not args.skip_bert_base:
        bert_base = build_bert_base(os.path.join(args.work_dir, "bert_base_12"), tiny)
        runs.append(("bert-base", bert_base, [SAMPLE_DIR / lang / "test_2k.tsv"
                                              for lang in args.bert_base_languages.split(",")]))
    results = [measure(name, model_dir, paths, args, args.work_dir, device)
               for name, model_dir, paths in runs]

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    print(f"# allennlp evaluate vs plain Hugging Face loop — {now} "
          f"UTC, {platform.machine()}, {os.cpu_count()} CPUs, 1 thread, torch "
          f"{torch.__version__}; device {describe(device, args.amp)}; batch {args.batch_size}; "
          f"best of {args.rounds} rounds")
    header = (f"{'model':<10} {'pairs':>5} {'allennlp e2e':>13} {'allennlp loop':>14} "
              f"{'hf loop':>9} {'loop/hf':>8} {'e2e/hf':>7}  accuracy (allennlp, hf)")
    print(header)
    print("-" * len(header))
    for result in results:
        rate = result["pairs_per_s"]
        print(f"{result['model']:<10} {result['pairs']:>5} "
              f"{rate['allennlp_end_to_end']:>9.1f} p/s "
              f"{rate['allennlp_loop']:>10.1f} p/s {rate['hf_loop']:>5.1f} p/s "
              f"{rate['allennlp_loop'] / rate['hf_loop']:>8.3f} "
              f"{rate['allennlp_end_to_end'] / rate['hf_loop']:>7.3f}  "
              f"{result['accuracy']['allennlp_loop']:.4f}, {result['accuracy']['hf_loop']:.4f}")
    print("# e2e = evaluate_from_archive (archive load included); loop = evaluation loop on the "
          f"loaded archive; ratios of throughputs (1 = as fast as HF). Total "
          f"{time.time() - started:.0f} s")
    print(json.dumps({"benchmark": "evaluate_throughput", "args": vars(args), "results": results}))


if __name__ == "__main__":
    main()
