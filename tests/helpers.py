"""
What the tests share: repository paths, the bundled sample's files, overrides that train the
shipped configs on the tiny model, a classifier archive built without training (for the
attacks), tiny sweeps and hand-written adversarial splits (for the report), a hand-made set of
metrics records with hand-computed tables, and a PNG check. Fixtures live in `conftest.py`,
which builds them from these helpers; test modules import helpers from here only.
"""
import copy
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from allennlp.common import Params
from allennlp.data import Batch, DatasetReader, Vocabulary
from allennlp.models import Model
from allennlp.models.archival import archive_model

from allennlp_xfuse.data import sample_paths
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.report.records import MetricsRecord
from allennlp_xfuse.training.overrides import (
    LAYERS_KEY,
    merge_overrides,
    model_and_data_overrides,
)
from allennlp_xfuse.training.sweep_plan import plan_sweep
from allennlp_xfuse.training.sweep_runner import run_sweep

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "training_configs"
SAMPLE_DIR = REPO_ROOT / "allennlp_xfuse" / "data" / "sample" / "pawsx"
# The real PAWS-X dev sets live beside the repository on the project's machines only.
SHARED_PAWSX_DIR = REPO_ROOT.parent / "shared" / "data" / "pawsx"
SAMPLE_SPLITS = ("train", "dev_2k", "test_2k")


# -- the bundled sample and the tiny model -----------------------------------------------------

def sample_file(language: str, split: str) -> Path:
    """
    The bundled sample's `split` in `language`; a split the sample lacks is a `ValueError`
    naming the files it has.

    # Parameters

    language : `str`
        One of `PAWSX_LANGUAGES`.
    split : `str`
        One of `SAMPLE_SPLITS`; `"train"` exists for English only.
    """
    path = sample_paths.sample_dir() / language / f"{split}.tsv"
    if not path.is_file():
        available = sorted(str(file.relative_to(sample_paths.sample_dir())) for file in
                           sample_paths.sample_dir().glob("*/*.tsv"))
        raise ValueError(
            f"The bundled sample has no {split!r} split in {language!r} "
            f"(languages {', '.join(PAWSX_LANGUAGES)}; splits {', '.join(SAMPLE_SPLITS)}). "
            f"Available: {', '.join(available)}."
        )
    return path


def tiny_training_overrides(
    config_name: str,
    model_dir: str,
    num_epochs: int = 2,
    train_split: str = "train",
    user_overrides: Optional[Dict[str, Any]] = None,
) -> Dict:
    """
    Overrides that train `training_configs/<config_name>.jsonnet` on the tiny model + sample,
    on the CPU (the tests are CPU-only; the shipped configs take a GPU when there is one).
    `train_split="dev_2k"` trains on the 60 English dev pairs: for tests that check plumbing,
    not learning. `user_overrides` (e.g. a head switch) are applied first and the tiny model's
    keys derived from the config they make, as a user would combine them.
    """
    overrides = model_and_data_overrides(
        str(CONFIG_DIR / f"{config_name}.jsonnet"),
        model_dir,
        train_data_path=str(SAMPLE_DIR / "en" / f"{train_split}.tsv"),
        validation_data_path=str(SAMPLE_DIR / "en" / "dev_2k.tsv"),
        overrides=user_overrides,
    )
    overrides.update(
        {
            "trainer.num_epochs": num_epochs,
            "trainer.optimizer.lr": 1e-3,
            "data_loader.batch_size": 16,
            "trainer.cuda_device": -1,
        }
    )
    return merge_overrides(user_overrides or {}, overrides)


# -- a classifier archive for the attacks -----------------------------------------------------
#
# A model archive for the attack tests, built in a second without training: a stock
# `basic_classifier` (tiny BERT `pretrained_transformer` embedder + `cls_pooler`) on the `pawsx`
# reader, with random weights fixed by a seed, archived with AllenNLP's `archive_model`.
#
# The attacks only need a deterministic classifier whose predictions vary with the text: only
# the classification layer is fitted (logistic regression on the frozen CLS features of the
# English training sample, a second on a CPU), as a random head predicts one class for every
# pair. A trained archive (the `trained_archive` fixture) can replace this one wherever
# the label order does not matter. `label_order` sets the label vocabulary, so a test can make
# label "1" index 0, as AllenNLP does when "1" is the more frequent training label.


def classifier_config(tiny_model_dir: str) -> dict:
    transformer = {"type": "pretrained_transformer", "model_name": tiny_model_dir}
    return {
        "dataset_reader": {
            "type": "pawsx",
            "tokenizer": {**transformer, "add_special_tokens": False},
            "token_indexers": {"tokens": dict(transformer)},
            "max_length": 128,
        },
        "model": {
            "type": "basic_classifier",
            "text_field_embedder": {"token_embedders": {"tokens": dict(transformer)}},
            "seq2vec_encoder": {"type": "cls_pooler", "embedding_dim": 32},
            # the pretrained_transformer indexer's vocabulary namespace
            "namespace": "tags",
        },
        "train_data_path": "unused",
        "data_loader": {"batch_size": 32},
    }


def fit_classification_layer(model: Model, config: dict, train_path: str, steps: int = 300) -> None:
    """Fits `model._classification_layer` to the pairs of `train_path`, the rest frozen."""
    reader = DatasetReader.from_params(Params(copy.deepcopy(config["dataset_reader"])))
    instances = list(reader.read(train_path))
    features = []
    hook = model._classification_layer.register_forward_hook(
        lambda module, inputs, output: features.append(inputs[0].detach())
    )
    try:
        model.eval()
        with torch.no_grad():
            batch = Batch(instances)
            batch.index_instances(model.vocab)
            tensors = batch.as_tensor_dict()
            model(**tensors)
    finally:
        hook.remove()
    inputs = features[0]
    # dataset labels -> the model's label indices (the vocabulary may put "1" first)
    targets = tensors["label"]
    inputs = (inputs - inputs.mean(0)) / (inputs.std(0) + 1e-6)
    layer = torch.nn.Linear(inputs.size(1), targets.max().item() + 1)
    optimizer = torch.optim.Adam(layer.parameters(), lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(layer(inputs), targets).backward()
        optimizer.step()
    # fold the standardisation into the model's layer: W (x - mu) / sigma + b
    mean, std = features[0].mean(0), features[0].std(0) + 1e-6
    with torch.no_grad():
        weight = layer.weight / std
        model._classification_layer.weight.copy_(weight)
        model._classification_layer.bias.copy_(layer.bias - weight @ mean)


def build_classifier_archive(
    directory: str,
    tiny_model_dir: str,
    train_path: str,
    label_order: Sequence[str] = ("0", "1"),
    seed: int = 1,
) -> str:
    """Writes `directory/model.tar.gz` and returns its path."""
    import allennlp_xfuse  # noqa: F401  (registers the pawsx reader)

    os.makedirs(directory, exist_ok=True)
    config = classifier_config(tiny_model_dir)
    vocab = Vocabulary(non_padded_namespaces=["*labels", "*tags"])
    vocab.add_tokens_to_namespace(list(label_order), namespace="labels")
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        # from_params pops what it reads: give it a copy, config.json needs the whole config
        model = Model.from_params(vocab=vocab, params=Params(copy.deepcopy(config["model"])))
        fit_classification_layer(model, config, train_path)
    finally:
        torch.random.set_rng_state(state)
    Params(config).to_file(os.path.join(directory, "config.json"))
    vocab.save_to_files(os.path.join(directory, "vocabulary"))
    torch.save(model.state_dict(), os.path.join(directory, "best.th"))
    return archive_model(directory, weights="best.th")


_ARCHIVES: Dict[Tuple[str, Tuple[str, ...]], str] = {}


def cached_classifier_archive(
    tiny_model_dir: str, train_path: str, label_order: Sequence[str] = ("0", "1")
) -> str:
    """`build_classifier_archive` once per test session and label order (in a temp dir)."""
    key = (tiny_model_dir, tuple(label_order))
    if key not in _ARCHIVES:
        directory = tempfile.mkdtemp(prefix="attack_archive_")
        _ARCHIVES[key] = build_classifier_archive(
            directory, tiny_model_dir, train_path, label_order
        )
    return _ARCHIVES[key]


# -- the report: tiny sweeps, adversarial splits, hand-made metrics ---------------------------


def tiny_config_overrides(model_dir: str, aif_layers=(1, 2, -1)) -> Dict[str, Dict[str, Any]]:
    """
    Per-config overrides that train the shipped configs on the tiny model for one epoch. The
    tiny model has 4 layers, so the aif config's [3, 6, 9, -1] becomes `aif_layers`.
    """
    overrides = {
        name: tiny_training_overrides(f"pawsx_{name}", model_dir, num_epochs=1)
        for name in ("dlfa", "baseline", "aif")
    }
    overrides["aif"].update(
        {
            LAYERS_KEY: list(aif_layers),
            "model.seq2vec_encoder.num_layers": len(aif_layers),
            "model.seq2vec_encoder.input_dim": 32 * len(aif_layers),
        }
    )
    return overrides


def tiny_sweep(model_dir: str, sweep_dir: str, layers=(1, 2), seeds=(1,),
               include=("baseline", "aif")) -> List[Dict[str, Any]]:
    runs = plan_sweep(
        str(CONFIG_DIR / "pawsx_dlfa.jsonnet"),
        list(layers),
        list(seeds),
        sweep_dir,
        include_configs=[(name, str(CONFIG_DIR / f"pawsx_{name}.jsonnet")) for name in include],
        config_overrides=tiny_config_overrides(model_dir),
    )
    return run_sweep(runs, sweep_dir)


def write_adversarial_split(sample_dir: Path, language: str, path: Path, recipe: str,
                            statuses: List[str]) -> List[Dict[str, Any]]:
    """
    A split in the `allennlp_xfuse.data.adversarial_split` format made from the sample's test
    file: the first sentence loses its last 3 characters; `statuses` cycle over the rows.
    """
    with open(sample_dir / language / "test_2k.tsv", encoding="utf-8") as tsv:
        rows = list(csv.DictReader(tsv, delimiter="\t"))
    records = []
    for index, row in enumerate(rows):
        status = statuses[index % len(statuses)]
        records.append(
            {
                "id": row["id"], "language": language,
                "sentence1": row["sentence1"][:-3], "sentence2": row["sentence2"],
                "label": int(row["label"]),
                "original_sentence1": row["sentence1"], "original_sentence2": row["sentence2"],
                "recipe": recipe, "status": status,
                "num_queries": 0 if status == "perturbed" else 7,
                "perturbed_word_ratio": 0.1, "original_prediction": None,
                "perturbed_prediction": None,
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return records


def run_subcommand(name: str, *argv: str) -> Any:
    """Runs a registered `allennlp` subcommand in this process, as the CLI parses it."""
    import argparse

    from allennlp.commands.subcommand import Subcommand

    parser = argparse.ArgumentParser(prog="allennlp")
    subparsers = parser.add_subparsers()
    Subcommand.by_name(name)().add_subparser(subparsers)
    args = parser.parse_args([name, *argv])
    return args.func(args)


def load_records(paths: Iterable[str]) -> List[MetricsRecord]:
    """
    Reads record files: each a JSON object (one record) or a JSON list of records.
    """
    records: List[MetricsRecord] = []
    for path in paths:
        with open(path, encoding="utf-8") as record_file:
            data = json.load(record_file)
        for item in data if isinstance(data, list) else [data]:
            try:
                records.append(MetricsRecord.from_dict(item))
            except (TypeError, ValueError) as error:
                raise ValueError(f"{path}: not a metrics record ({error})") from error
    return records


# Hand-made metrics behind the tables of test_report_table.py (its docstring computes them).
RUNS = {
    # run: (model, family, fusion_layer, seed, clean accuracies en..zh)
    "baseline_s1": ("baseline", "baseline", None, 1, (0.90, 0.80, 0.82, 0.84, 0.70, 0.60, 0.74)),
    "baseline_s2": ("baseline", "baseline", None, 2, (0.92, 0.82, 0.80, 0.86, 0.72, 0.64, 0.70)),
    "dlfa_L3_s1": ("dlfa@3", "dlfa", 3, 1, (0.91, 0.84, 0.83, 0.85, 0.71, 0.62, 0.75)),
    "dlfa_L3_s2": ("dlfa@3", "dlfa", 3, 2, (0.93, 0.82, 0.85, 0.85, 0.73, 0.62, 0.77)),
    "dlfa_L9_s1": ("dlfa@9", "dlfa", 9, 1, (0.94, 0.83, 0.86, 0.85, 0.69, 0.66, 0.76)),
    "aif_s1": ("aif", "aif", None, 1, (0.95, 0.85, 0.84, 0.87, 0.75, 0.65, 0.78)),
}

# run, language, recipe, target, accuracy, original_accuracy, success_rate
ADVERSARIAL = [
    ("baseline_s1", "de", "deepwordbug", "own", 0.50, 0.80, 0.40),
    ("baseline_s1", "ja", "deepwordbug", "own", 0.40, 0.70, 0.45),
    ("baseline_s2", "de", "deepwordbug", "own", 0.52, 0.82, 0.36),
    ("baseline_s2", "ja", "deepwordbug", "own", 0.44, 0.72, 0.39),
    # no original accuracy recorded: the drop is measured from the clean split (84 - 60)
    ("dlfa_L3_s1", "de", "deepwordbug", "own", 0.60, None, 0.30),
    ("dlfa_L9_s1", "de", "deepwordbug", "own", 0.62, 0.83, 0.25),
    ("dlfa_L9_s1", "ja", "deepwordbug", "own", 0.41, 0.69, 0.40),
    # transfer (dlfa_L9_s1's attack evaluated on the baseline): not in the main tables
    ("baseline_s1", "de", "deepwordbug", "dlfa_L9_s1", 0.10, None, None),
    # model-agnostic perturbation: no success rate, so no success-rate table for it
    ("baseline_s1", "en", "charnoise", "shared", 0.85, None, None),
    ("aif_s1", "en", "charnoise", "shared", 0.93, None, None),
]

# run -> [(step, mean 1 - W)] on the clean de split
FUSION = {
    "dlfa_L3_s1": [("L3", 0.30)],
    "dlfa_L3_s2": [("L3", 0.34)],
    "dlfa_L9_s1": [("L9", 0.20)],
    "aif_s1": [("L9", 0.10), ("L6", 0.20)],
}


PNG_MAGIC = PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path: str, min_bytes: int = 10_000) -> None:
    with open(path, "rb") as png:
        assert png.read(8) == PNG_MAGIC, path
    assert os.path.getsize(path) > min_bytes, (path, os.path.getsize(path))


def run_allennlp(*args: Any) -> Tuple[int, str, str]:
    """
    Runs `allennlp ARGS` in this process, as the console script does; returns (exit status,
    stdout, stderr). In-process, so a test pays for AllenNLP's imports once, not per command.
    """
    import contextlib
    import io
    import sys

    from allennlp.commands import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["allennlp", *map(str, args)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(prog="allennlp")
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    finally:
        sys.argv = saved
    return code, out.getvalue(), err.getvalue()


def build_tagger_archive(
    directory: Path, tiny_model_dir: str, config_name: str, tags: Sequence[str], seed: int = 1
) -> str:
    """
    A shipped tagging config (`ner_dlfa`, `pos_dlfa`, ...) on the tiny model with random weights
    (no training: enough to read files through the archived reader and to predict), archived
    with AllenNLP's `archive_model` into `directory` (created).
    """
    import allennlp_models.tagging  # noqa: F401  (registers crf_tagger)
    from allennlp.common import Params
    from allennlp.data import Vocabulary
    from allennlp.models import Model
    from allennlp.models.archival import archive_model

    embedder = "model.text_field_embedder.token_embedders.tokens"
    overrides = {
        "dataset_reader.token_indexers.tokens.model_name": tiny_model_dir,
        f"{embedder}.model_name": tiny_model_dir,
        "model.encoder.input_dim": 64,  # the tiny model's width 32 x 2 layers
    }
    config = Params.from_file(str(CONFIG_DIR / f"{config_name}.jsonnet"),
                              json.dumps(overrides)).as_dict(quiet=True)
    vocab = Vocabulary(non_padded_namespaces=["*labels", "*tags"])
    vocab.add_tokens_to_namespace(list(tags), namespace="labels")
    torch.manual_seed(seed)
    model = Model.from_params(vocab=vocab, params=Params(copy.deepcopy(config["model"])))
    directory.mkdir(parents=True, exist_ok=True)
    Params(config).to_file(str(directory / "config.json"))
    vocab.save_to_files(str(directory / "vocabulary"))
    torch.save(model.state_dict(), directory / "best.th")
    return archive_model(str(directory), weights="best.th")


def one_line_error(err: str, command: str) -> str:
    """The last line of a failing command's stderr, checked to be its one-line error."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "no message"
    assert lines[-1].startswith(f"allennlp {command}: error: "), lines[-1]
    assert "Traceback" not in err
    return lines[-1]
