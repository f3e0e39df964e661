"""
Benchmark (b): AllenNLP's evaluation pipeline versus a plain Hugging Face loop, same model, same
data. The model is the shipped baseline config (`pretrained_transformer` embedder, BERT's pooler
on [CLS] as `bert_pooler`, linear layer) archived untrained around (1) the tiny local BERT,
where the pipeline's own cost shows, and (2) a BERT-base-sized encoder with random weights,
where the transformer dominates. The same weights are also exported as the Hugging Face model
that computes that function, `BertForSequenceClassification` (`save_pretrained` directory with
tokenizer and label names).

- allennlp e2e: `allennlp evaluate`'s code path (`evaluate_from_archive`: archive, its reader
  and data loader config, `Evaluator`); allennlp loop: its evaluation loop on the loaded archive;
- hf e2e: `from_pretrained` of the exported tokenizer and model, then the hf loop; hf loop: read
  the pairs with `csv`, tokenize each batch with one tokenizer call (pairs, longest-first
  truncation to 128, padding to the batch's longest), run the model under `torch.no_grad`.

Both at the same batch size, one thread, on the same device (`--device cpu|cuda`) and precision
(`--amp none|bf16|fp16`: every loop runs under the same autocast); best of `--rounds`
alternating runs (the machine is shared). Data: the bundled sample's test files (7 languages,
420 pairs) or `--data` (e.g. the real dev sets). Prints pairs/s and the ratios, and checks pair
by pair that both pipelines computed the same logits (exit 1 when they do not):

    python benchmarks/evaluate_throughput.py [--batch-size 32] [--rounds 2]
    python benchmarks/evaluate_throughput.py --skip-bert-base --data '/data/pawsx/*/dev-*.tsv'
    python benchmarks/evaluate_throughput.py --device cuda --amp bf16
"""
import argparse
import csv
import glob
import json
import logging
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

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
    export_sequence_classifier,
    save_archive,
    setup_offline,
)

SAMPLE_DIR = REPO_ROOT / "allennlp_xfuse" / "data" / "sample" / "pawsx"
# the languages of the bundled sample, as it has them (all of PAWS-X's)
SAMPLE_LANGUAGES = tuple(sorted(path.parent.name for path in SAMPLE_DIR.glob("*/test_2k.tsv")))

# Largest |logit difference| the agreement check accepts between the two pipelines, and the
# margin under which a flipped prediction is a tie rather than a different function: float32
# gives identical logits (same inputs, same modules), autocast may round the two slightly apart.
LOGIT_TOLERANCE = {"none": 1e-4, "bf16": 5e-2, "fp16": 1e-2}


def data_files(patterns: Sequence[str]) -> List[str]:
    """
    The files of `--data`: each entry a path or a glob pattern (quoted, or already expanded by
    the shell), in order, a pattern's matches sorted. Exits with status 2 and one line naming
    the entry when one matches nothing.

    # Parameters

    patterns : `Sequence[str]`
    """
    files: List[str] = []
    for pattern in patterns:
        matches = ([pattern] if os.path.isfile(pattern)
                   else sorted(path for path in glob.glob(os.path.expanduser(pattern))
                               if os.path.isfile(path)))
        if not matches:
            print(f"evaluate_throughput.py: --data {pattern}: no such file (give PAWS-X files "
                  f"or a glob, e.g. '/data/pawsx/*/dev-*.tsv')", file=sys.stderr)
            sys.exit(2)
        files.extend(matches)
    return files


def read_pairs(paths) -> List[Tuple[str, str, str]]:
    """
    `(sentence1, sentence2, label)` of every labeled pair of PAWS-X files, read as a plain
    script would with `csv`: files with a header (official release, Hugging Face exports) raw
    (`QUOTE_NONE`, their quotes are text); header-less XTREME files (`sentence1 sentence2
    label`) CSV-quoted. Rows with an empty sentence or a label other than 0/1 are left out, as
    the `pawsx` reader skips them; the benchmark checks both sides saw the same pairs.

    # Parameters

    paths : `Sequence[Union[str, Path]]`
    """
    pairs = []
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as tsv:
            first = tsv.readline().rstrip("\r\n").split("\t")
            tsv.seek(0)
            if "sentence1" in first and "sentence2" in first:
                rows = ((row["sentence1"], row["sentence2"], row.get("label"))
                        for row in csv.DictReader(tsv, delimiter="\t", quoting=csv.QUOTE_NONE))
            else:
                rows = (tuple(row) for row in csv.reader(tsv, delimiter="\t") if len(row) == 3)
            for sentence1, sentence2, label in rows:
                sentence1, sentence2 = sentence1.strip(), sentence2.strip()
                if sentence1 and sentence2 and (label or "").strip() in ("0", "1"):
                    pairs.append((sentence1, sentence2, label.strip()))
    return pairs


def allennlp_loop(archive, data_paths: Sequence[str], batch_size: int, device,
                  loader_options: Optional[Dict[str, Any]] = None):
    """
    The evaluation loop of `allennlp evaluate` on a loaded archive: data loader from the
    archive's config and validation reader, `Evaluator`. Returns its metrics.

    # Parameters

    archive : `Archive`
        Loaded on `device`.
    data_paths : `Sequence[str]`
        The files, read as one data set (the `pawsx` reader takes a list).
    batch_size : `int`
    device : `torch.device`
        Where the evaluator moves the batches.
    loader_options : `Dict[str, Any]`, optional (default = `None`)
        More `validation_data_loader` settings (`--data-loader`), e.g. `num_workers`.
    """
    from copy import deepcopy

    from allennlp.data import DataLoader
    from allennlp.evaluation import Evaluator

    config = deepcopy(archive.config)
    loader_params = config.get("validation_data_loader", None) or config.get("data_loader")
    loader_params["batch_size"] = batch_size
    for key, value in (loader_options or {}).items():
        loader_params[key] = value
    loader = DataLoader.from_params(params=loader_params, reader=archive.validation_dataset_reader,
                                    data_path=list(data_paths))
    loader.index_with(archive.model.vocab)
    evaluator_params = config.pop("evaluation", {})
    evaluator_params["cuda_device"] = cuda_index(device)
    return Evaluator.from_params(evaluator_params)(archive.model, loader)


def hf_loop(model, tokenizer, data_paths, batch_size: int, device, logits: Optional[list] = None
            ) -> float:
    """
    The plain loop: read the pairs with `csv`, tokenize each batch with one tokenizer call
    (pairs, longest-first truncation to 128, padding to the batch's longest), run the
    `BertForSequenceClassification` under `torch.no_grad`. Returns the accuracy.

    # Parameters

    model : `PreTrainedModel`
        The archive's model exported by `export_sequence_classifier`, on `device`, in eval mode.
    tokenizer : `PreTrainedTokenizerBase`
    data_paths : `Sequence[Union[str, Path]]`
    batch_size : `int`
    device : `torch.device`
        Where each tokenized batch goes.
    logits : `list`, optional (default = `None`)
        Receives each batch's logits (for the agreement check).
    """
    import torch

    index_to_label = model.config.id2label
    pairs = read_pairs(data_paths)
    correct = 0
    with torch.no_grad():
        for start in range(0, len(pairs), batch_size):
            batch = pairs[start:start + batch_size]
            encoded = tokenizer([p[0] for p in batch], [p[1] for p in batch], truncation=True,
                                max_length=128, padding=True, return_tensors="pt").to(device)
            batch_logits = model(**encoded).logits
            if logits is not None:
                logits.append(batch_logits)
            predictions = batch_logits.argmax(dim=-1).tolist()
            correct += sum(index_to_label[p] == b[2] for p, b in zip(predictions, batch))
    return correct / len(pairs)


def hf_end_to_end(model_dir: str, data_paths, batch_size: int, device) -> float:
    """
    `hf_loop` after loading what it runs from disk: the tokenizer and the
    `BertForSequenceClassification` of `export_sequence_classifier` (the Hugging Face
    counterpart of loading the archive). Returns the accuracy.

    # Parameters

    model_dir : `str`
        The exported `save_pretrained` directory (model, tokenizer, label names).
    data_paths : `Sequence[Union[str, Path]]`
    batch_size : `int`
    device : `torch.device`
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).to(device).eval()
    return hf_loop(model, tokenizer, data_paths, batch_size, device)


def check_agreement(name: str, allennlp_batches, pairs, hf_logits, amp: str) -> dict:
    """
    Checks that the AllenNLP loop and the HF loop computed the same function on the same pairs:
    the same pairs (matched by their sentences, since data-loader workers may reorder
    batches), logits within `LOGIT_TOLERANCE[amp]`, and the same prediction for every pair
    whose margin is above that tolerance. Returns the figures, a one-line `summary`, and a
    `problem` (a sentence) when they disagree: the throughput figures would then compare two
    different computations, and `main` exits with status 1 after printing them.

    # Parameters

    name : `str`
        The model's name, for the line.
    allennlp_batches : `List[Tuple[List[Dict[str, Any]], torch.Tensor]]`
        The evaluator's batches: their `metadata` and logits.
    pairs : `List[Tuple[str, str, str]]`
        The HF loop's pairs, in its order.
    hf_logits : `List[torch.Tensor]`
        The HF loop's batches' logits.
    amp : `str`
    """
    import torch

    rows: Dict[Tuple[str, str], List[torch.Tensor]] = defaultdict(list)
    for metadata, logits in allennlp_batches:
        for entry, row in zip(metadata, logits.float().cpu()):
            rows[(entry["sentence1"], entry["sentence2"])].append(row)
    theirs = torch.cat([batch.float().cpu() for batch in hf_logits])
    matched = []
    for sentence1, sentence2, _ in pairs:
        same_pair = rows.get((sentence1, sentence2))
        if not same_pair:
            break
        matched.append(same_pair.pop(0))
    left = sum(len(unmatched) for unmatched in rows.values())
    if len(matched) != len(pairs) or left:
        print(f"evaluate_throughput.py: {name}: the pipelines saw different data: "
              f"{len(pairs) - len(matched)} of the HF loop's {len(pairs)} pairs were not "
              f"evaluated by allennlp, which had {left} more (a row the pawsx reader and csv "
              f"read differently?)", file=sys.stderr)
        sys.exit(1)
    ours = torch.stack(matched) if matched else theirs
    tolerance = LOGIT_TOLERANCE[amp]
    differences = (ours - theirs).abs().amax(dim=-1)
    top2 = ours.topk(2, dim=-1).values
    clear = (top2[:, 0] - top2[:, 1]) > tolerance
    same = ours.argmax(-1) == theirs.argmax(-1)
    disagreeing = (~same & clear).nonzero().flatten().tolist()
    apart = int((differences > tolerance).sum())
    difference = differences.max().item() if len(differences) else 0.0
    summary = (f"# check {name}: same prediction on {int(same.sum())}/{len(same)} pairs, "
               f"logits apart by more than {tolerance:g} on {apart} (max {difference:.2e})")
    problem = None
    if disagreeing or apart:
        first = disagreeing[0] if disagreeing else int(differences.argmax())
        problem = (f"{name}: AllenNLP and the HF loop do not compute the same thing: "
                   f"{len(disagreeing)} clear prediction(s) differ and {apart} pair(s) have "
                   f"logits apart by more than {tolerance:g} (max {difference:.2e}), e.g. pair "
                   f"{first} {pairs[first][0][:40]!r}... (different inputs? compare the "
                   f"reader's wordpieces with the tokenizer's for it)")
    return {"same_predictions": int(same.sum()), "pairs": len(same),
            "pairs_with_logits_apart": apart, "max_logit_difference": difference,
            "summary": summary, "problem": problem}


def measure(name: str, model_dir: str, data_paths, args, rounds: int, work_dir: str,
            device) -> dict:
    """
    Both pipelines on one model, `rounds` times; the best time of each, and the agreement
    check of the last round's logits.

    # Parameters

    name : `str`
        The model's name in the table (and its archive directory).
    model_dir : `str`
        The encoder, a directory written by `save_pretrained`.
    data_paths : `Sequence[str]`
        The PAWS-X files to evaluate on.
    args : `argparse.Namespace`
        `batch_size`, `amp`, `data_loader`.
    rounds : `int`
    work_dir : `str`
    device : `torch.device`
    """
    import torch
    from allennlp.commands.evaluate import evaluate_from_archive
    from allennlp.models.archival import load_archive
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    model, vocab, params = build_classifier("baseline", model_dir)
    archive_file = save_archive(model, vocab, params, os.path.join(work_dir, f"archive_{name}"))
    hf_dir = export_sequence_classifier(model, model_dir, os.path.join(work_dir, f"hf_{name}"))
    del model
    # one evaluation over all files: a JSON list inside `evaluate`'s input (a comma list or a
    # JSON list of strings would be evaluated, and reported, file by file)
    input_file = json.dumps(list(data_paths))
    pairs = read_pairs(data_paths)
    num_pairs = len(pairs)

    archive = load_archive(archive_file, cuda_device=cuda_index(device))
    archive.model.eval()
    allennlp_batches: list = []
    # the evaluator's own forward passes, recorded as they happen (no extra pass)
    archive.model.register_forward_hook(
        lambda module, args, kwargs, output: allennlp_batches.append(
            (kwargs["metadata"], output["logits"].detach())),
        with_kwargs=True)
    tokenizer = AutoTokenizer.from_pretrained(hf_dir)
    hf_model = AutoModelForSequenceClassification.from_pretrained(hf_dir).to(device).eval()
    hf_logits: list = []
    runs = {
        "allennlp_end_to_end": lambda: evaluate_from_archive(
            archive_file, input_file, batch_size=args.batch_size,
            cmd_overrides={f"validation_data_loader.{key}": value
                           for key, value in args.data_loader.items()},
            cuda_device=cuda_index(device))["accuracy"],
        "allennlp_loop": lambda: allennlp_loop(
            archive, data_paths, args.batch_size, device, args.data_loader)["accuracy"],
        "hf_end_to_end": lambda: hf_end_to_end(hf_dir, data_paths, args.batch_size, device),
        "hf_loop": lambda: hf_loop(hf_model, tokenizer, data_paths, args.batch_size, device,
                                   hf_logits),
    }
    timings: Dict[str, List[float]] = {key: [] for key in runs}
    accuracy = {}
    for _ in range(rounds):
        allennlp_batches.clear()
        hf_logits.clear()
        for key, run in runs.items():
            synchronize(device)
            started = time.perf_counter()
            # autocast is thread-local, so it also covers the forward passes AllenNLP's
            # evaluator makes
            with autocast(device, args.amp):
                accuracy[key] = run()
            synchronize(device)
            timings[key].append(time.perf_counter() - started)
    agreement = check_agreement(name, allennlp_batches, pairs, hf_logits, args.amp)
    best = {key: min(values) for key, values in timings.items()}
    return {"model": name, "pairs": num_pairs, "seconds": best, "all": timings,
            "pairs_per_s": {key: num_pairs / value for key, value in best.items()},
            "accuracy": accuracy, "agreement": agreement}


def json_object(text: str) -> Dict[str, Any]:
    """
    `--data-loader`'s value: a JSON object (argparse reports anything else as a usage error).

    # Parameters

    text : `str`
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON ({error}): {text!r}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"not a JSON object: {text!r}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2,
                        help="timed rounds per model, best kept (default 2)")
    parser.add_argument("--data", nargs="+", metavar="PATH_OR_GLOB",
                        help="PAWS-X files (official/HF with a header, or XTREME's dev-<lang>.tsv) "
                        "for both models, e.g. '/data/pawsx/*/dev-*.tsv' (default: the bundled "
                        "sample's test_2k.tsv of every language, 420 pairs)")
    parser.add_argument("--bert-base-languages", default=",".join(SAMPLE_LANGUAGES),
                        help="without --data: the sample languages of the BERT-base run (comma "
                        "list; default all 7, 420 pairs)")
    parser.add_argument("--bert-base-rounds", type=int, default=None,
                        help="rounds of the BERT-base run (default: --rounds on cuda, 1 on the "
                        "CPU, where a round takes minutes and the model's time dominates)")
    parser.add_argument("--data-loader", type=json_object, default={}, metavar="JSON",
                        help="more validation_data_loader settings for the AllenNLP side (as "
                        "`allennlp evaluate --overrides`), e.g. '{\"num_workers\": 1, "
                        "\"max_instances_in_memory\": 1024}'")
    parser.add_argument("--skip-bert-base", action="store_true")
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "xfuse_bench"))
    add_device_arguments(parser)
    args = parser.parse_args()
    data = data_files(args.data) if args.data else None
    languages = [language.strip() for language in args.bert_base_languages.split(",")]
    unknown = sorted(set(languages) - set(SAMPLE_LANGUAGES))
    if unknown:
        parser.error(f"--bert-base-languages: no sample for {', '.join(unknown)}; choose from "
                     f"{', '.join(SAMPLE_LANGUAGES)}")

    setup_offline()
    import torch

    device = resolve_device(args, "evaluate_throughput.py")
    bert_base_rounds = args.bert_base_rounds or (args.rounds if device.type == "cuda" else 1)

    torch.set_num_threads(1)
    logging.disable(logging.INFO)  # AllenNLP logs every config value at INFO
    import allennlp_xfuse  # noqa: F401

    started = time.time()
    tiny = build_tiny(os.path.join(args.work_dir, "tiny"))
    sample = [str(SAMPLE_DIR / language / "test_2k.tsv") for language in SAMPLE_LANGUAGES]
    runs = [("tiny", tiny, data or sample, args.rounds)]
    if not args.skip_bert_base:
        bert_base = build_bert_base(os.path.join(args.work_dir, "bert_base_12"), tiny)
        runs.append(("bert-base", bert_base,
                     data or [str(SAMPLE_DIR / language / "test_2k.tsv") for language in languages],
                     bert_base_rounds))
    results = [measure(name, model_dir, paths, args, rounds, args.work_dir, device)
               for name, model_dir, paths, rounds in runs]

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    print(f"# allennlp evaluate vs plain Hugging Face loop — {now} "
          f"UTC, {platform.machine()}, {os.cpu_count()} CPUs, 1 thread, torch "
          f"{torch.__version__}; device {describe(device, args.amp)}; batch {args.batch_size}; "
          f"data {' '.join(args.data) if args.data else 'bundled sample'}"
          + (f"; allennlp data loader {json.dumps(args.data_loader)}" if args.data_loader else ""))
    header = (f"{'model':<10} {'pairs':>6} {'rounds':>6} {'allennlp e2e':>13} "
              f"{'allennlp loop':>14} {'hf e2e':>11} {'hf loop':>11} {'loop/hf':>8} "
              f"{'e2e/hf':>7} {'e2e/hf e2e':>10}  accuracy (allennlp, hf)")
    print(header)
    print("-" * len(header))
    for result, (_, _, _, rounds) in zip(results, runs):
        rate = result["pairs_per_s"]
        print(f"{result['model']:<10} {result['pairs']:>6} {rounds:>6} "
              f"{rate['allennlp_end_to_end']:>9.1f} p/s "
              f"{rate['allennlp_loop']:>10.1f} p/s {rate['hf_end_to_end']:>7.1f} p/s "
              f"{rate['hf_loop']:>7.1f} p/s "
              f"{rate['allennlp_loop'] / rate['hf_loop']:>8.3f} "
              f"{rate['allennlp_end_to_end'] / rate['hf_loop']:>7.3f} "
              f"{rate['allennlp_end_to_end'] / rate['hf_end_to_end']:>10.3f}  "
              f"{result['accuracy']['allennlp_loop']:.4f}, {result['accuracy']['hf_loop']:.4f}")
    for result in results:
        print(result["agreement"]["summary"])
    print("# e2e = from the files on disk (allennlp: evaluate_from_archive, archive load included; "
          "hf: from_pretrained of the same model exported as BertForSequenceClassification, "
          "tokenizer included); loop = the evaluation loop on the loaded model; ratios of "
          "throughputs (1 = as fast as HF); best of the rounds. Total "
          f"{time.time() - started:.0f} s")
    print(json.dumps({"benchmark": "evaluate_throughput", "args": vars(args), "results": results}))
    problems = [result["agreement"]["problem"] for result in results
                if result["agreement"]["problem"]]
    for problem in problems:
        print(f"evaluate_throughput.py: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
