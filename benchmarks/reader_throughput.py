"""
Benchmark (d): how fast the `pawsx` reader turns PAWS-X rows into instances, against the fast
tokenizer's own batch call on the same pairs: the ceiling for any reader of a pretrained
transformer. On a GPU the model is fast enough that the reader sets the pace of
`allennlp evaluate` and of training's data loading.

- tokenizer: the Hugging Face fast tokenizer's batch call (`tokenizer(s1s, s2s,
  truncation="longest_first", max_length=128)`, batches of 256), the pairs already in memory;
- reader: `PawsxDatasetReader.read(path)` end to end (file parsing, batched tokenization,
  truncation, special tokens, fields), instances per second;
- per pair: the same instances through `text_to_instance` one pair at a time with AllenNLP's
  `add_special_tokens` (what the reader did before it batched: for reference).

One thread (`torch`/`tokenizers` parallelism off), best of `--rounds`, on the real PAWS-X dev
sets when `../shared/data/pawsx` is there, else the bundled sample; for the tiny local BERT's
WordPiece tokenizer and the tiny XLM-R's unigram one, their vocabularies built from those files
(pieces per sentence printed):

    python benchmarks/reader_throughput.py [--rounds 3] [--clock wall|cpu] [--input-side]

`--input-side` then times the whole input side of an evaluation, everything but the model, in
batches of 64 (the WordPiece tokenizer): the Hugging Face loop's (`csv`, one tokenizer call per
batch with padding, tensors) against AllenNLP's data loader (reader, `index_with`, collation)
as `allennlp evaluate` builds it (the whole split in memory, with AllenNLP's default collator
and with the shipped configs' `batched_padding`), streamed (`max_instances_in_memory`, as
`xfuse-report` reads) and streamed from one worker process: pairs per second of wall time, and
the CPU seconds of the main process, which is what a GPU's model waits for.
"""
import argparse
import copy
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_models import REPO_ROOT, setup_offline  # noqa: E402

SHARED_DEV_DIR = REPO_ROOT.parent / "shared" / "data" / "pawsx"
SAMPLE_DIR = REPO_ROOT / "allennlp_xfuse" / "data" / "sample" / "pawsx"


def data_paths() -> List[str]:
    """The real dev sets of every language when present, else every file of the sample."""
    shared = sorted(SHARED_DEV_DIR.glob("*/dev-*.tsv"))
    return [str(path) for path in shared or sorted(SAMPLE_DIR.glob("*/*.tsv"))]


def best_rates(
    count: int,
    runs: Sequence[Callable[[], None]],
    rounds: int,
    clock: Callable[[], float] = time.perf_counter,
) -> List[float]:
    """
    The best of `rounds` runs of each of `runs`, as `count` items per second of `clock`'s time.
    The runs alternate within each round, so that a figure and its baseline see the same
    moments of a machine other work shares.

    # Parameters

    count : `int`
        Items one run handles.
    runs : `Sequence[Callable[[], None]]`
    rounds : `int`
    clock : `Callable[[], float]`, optional (default = `time.perf_counter`)
        Wall time, or `time.process_time` (this process's CPU time: on a machine other work
        shares, one thread's figure is then close to what it makes on a quiet one).
    """
    best = [float("inf")] * len(runs)
    for _ in range(rounds):
        for index, run in enumerate(runs):
            start = clock()
            run()
            best[index] = min(best[index], clock() - start)
    return [count / seconds for seconds in best]


def measure(
    model_dir: str, paths: List[str], rounds: int, clock: Callable[[], float] = time.perf_counter
) -> List[float]:
    """
    Pieces per first sentence, then pairs per second of the tokenizer batch call, the reader
    and the per-pair path.

    # Parameters

    model_dir : `str`
        A local transformer with a fast tokenizer.
    paths : `List[str]`
        PAWS-X files.
    rounds : `int`
    clock : `Callable[[], float]`, optional (default = `time.perf_counter`)
        As in `best_rates`.
    """
    from allennlp.data.tokenizers import PretrainedTransformerTokenizer

    from allennlp_xfuse.data.dataset_readers.pawsx import (
        PawsxDatasetReader,
        truncate_longest_first,
    )
    from allennlp_xfuse.data.pair_files import read_pair_files

    tokenizer = PretrainedTransformerTokenizer(model_dir, add_special_tokens=False)
    reader = PawsxDatasetReader(tokenizer, max_length=128)
    joined = ",".join(paths)
    rows = list(read_pair_files(joined, verbose=False))
    firsts = [row.sentence1 for row in rows]
    seconds = [row.sentence2 for row in rows]
    hf = tokenizer.tokenizer

    def batch_call() -> None:
        for start in range(0, len(rows), 256):
            hf(firsts[start : start + 256], seconds[start : start + 256],
               truncation="longest_first", max_length=128)

    def read() -> None:
        assert sum(1 for _ in reader.read(joined)) == len(rows)

    budget = 128 - tokenizer.num_special_tokens_for_pair()

    def per_pair() -> None:
        for first, second in zip(firsts, seconds):
            tokenizer.add_special_tokens(*truncate_longest_first(
                tokenizer.tokenize(first), tokenizer.tokenize(second), budget
            ))

    pieces = sum(len(tokenizer.tokenize(text)) for text in firsts) / len(firsts)
    runs = (batch_call, read, per_pair)
    return [pieces] + best_rates(len(rows), runs, rounds, clock)


# The loaders of `--input-side`: AllenNLP's default collator (an archive whose config does not
# name one), and the shipped configs' `batched_padding` collator, for the whole split (as
# `allennlp evaluate` loads it), streamed (as `xfuse-report` does, `one_pass_loading`) and
# streamed from one worker process (what `num_workers: 1` would give).
BATCHED_PADDING = {"collate_fn": {"type": "batched_padding"}}
STREAMED = {"max_instances_in_memory": 2048, **BATCHED_PADDING}
LOADERS = {
    "whole split, default collator": {},
    "whole split, batched_padding": BATCHED_PADDING,
    "streamed, batched_padding": STREAMED,
    "streamed from 1 worker, batched_padding": {"num_workers": 1, **STREAMED},
}


def measure_input_side(
    model_dir: str, paths: List[str], rounds: int
) -> Dict[str, Tuple[float, float]]:
    """
    `--input-side`: name -> (pairs per second of wall time, CPU seconds) of the
    Hugging Face loop's input side (`"hf"`) and of each data loader of `LOADERS`, best of `rounds`
    alternating runs each.

    # Parameters

    model_dir : `str`
        A local BERT with a fast tokenizer.
    paths : `List[str]`
        PAWS-X files.
    rounds : `int`
    """
    from allennlp.common import Params
    from allennlp.data import DataLoader, Vocabulary
    from allennlp.data.token_indexers import PretrainedTransformerIndexer
    from allennlp.data.tokenizers import PretrainedTransformerTokenizer
    from evaluate_throughput import read_pairs

    from allennlp_xfuse.data.dataset_readers.pawsx import PawsxDatasetReader

    tokenizer = PretrainedTransformerTokenizer(model_dir, add_special_tokens=False)
    reader = PawsxDatasetReader(
        tokenizer, {"tokens": PretrainedTransformerIndexer(model_dir, namespace="tags")},
        max_length=128,
    )
    vocabulary = Vocabulary(tokens_to_add={"labels": ["0", "1"]})
    hf = tokenizer.tokenizer
    count = len(read_pairs(paths))

    def hf_loop() -> None:
        pairs = read_pairs(paths)
        for start in range(0, len(pairs), 64):
            batch = pairs[start : start + 64]
            hf([pair[0] for pair in batch], [pair[1] for pair in batch], truncation=True,
               max_length=128, padding=True, return_tensors="pt")

    def loader_run(options: Dict[str, Any]) -> Callable[[], None]:
        def run() -> None:
            # a copy: `from_params` pops the nested `collate_fn` dict, which the loaders share
            params = Params(
                {"batch_size": 64, "shuffle": False, "quiet": True, **copy.deepcopy(options)}
            )
            loader = DataLoader.from_params(params=params, reader=reader, data_path=paths)
            loader.index_with(vocabulary)
            assert sum(len(batch["label"]) for batch in loader) == count
        return run

    runs = {"hf": hf_loop, **{name: loader_run(options) for name, options in LOADERS.items()}}
    best = {name: (float("inf"), float("inf")) for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return {name: (count / wall, cpu) for name, (wall, cpu) in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per figure (best kept)")
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall",
        help="wall time, or this process's CPU time (for a machine other work shares)",
    )
    parser.add_argument(
        "--input-side", action="store_true",
        help="then time the input side of an evaluation: the HF loop's against AllenNLP's data "
             "loader (whole split, streamed)",
    )
    args = parser.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    setup_offline()
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    import torch

    from allennlp_xfuse.training.tiny_model import build_tiny_model

    torch.set_num_threads(1)
    paths = data_paths()
    print(f"reader throughput, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.machine()}, {os.cpu_count()} CPUs, 1 thread, {args.clock} time, "
          f"{len(paths)} files "
          f"({'real PAWS-X dev sets' if paths[0].startswith(str(SHARED_DEV_DIR)) else 'sample'})")
    print(f"{'tokenizer':<28} {'batch call':>12} {'reader':>12} {'ratio':>7} "
          f"{'per pair':>12} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as directory:
        for architecture in ("bert", "xlm-roberta"):
            # The vocabulary comes from the measured files, up to 50,000 entries: sentences
            # then split into about as many pieces as mBERT's (119k) or XLM-R's (250k) make of
            # them, not into the characters the samples' 3,000-entry vocabulary leaves.
            model_dir = build_tiny_model(os.path.join(directory, architecture),
                                         architecture=architecture, vocab_size=50_000,
                                         corpus_files=paths)
            pieces, batch, reader, per_pair = measure(model_dir, paths, args.rounds, clock)
            name = f"tiny {architecture} ({pieces:.0f} pieces)"
            print(f"{name:<28} {batch:>8.0f} p/s {reader:>8.0f} i/s "
                  f"{reader / batch:>6.2f}x {per_pair:>8.0f} i/s {per_pair / batch:>6.2f}x")
            if args.input_side and architecture == "bert":
                input_side = measure_input_side(model_dir, paths, args.rounds)
        if args.input_side:
            print("\ninput side of an evaluation (tiny bert, batches of 64), wall time; CPU = "
                  "CPU seconds of the process")
            print(f"{'pipeline':<56} {'pairs/s':>9} {'ratio':>7} {'CPU':>9}")
            hf_rate = input_side["hf"][0]
            for name, (rate, cpu) in input_side.items():
                label = ("hf: csv, tokenizer call, tensors" if name == "hf"
                         else f"data loader, {name}")
                print(f"{label:<56} {rate:>9.0f} {rate / hf_rate:>6.2f}x {cpu:>8.2f}s")


if __name__ == "__main__":
    main()
