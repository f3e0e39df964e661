"""
Robust training as data (Huang et al., EMNLP 2021, "Improving Zero-Shot Cross-Lingual Transfer
Learning via Robust Training"): a model is trained on the English training data plus perturbed
copies of it, which `allennlp xfuse-perturb` writes as adversarial splits (JSON lines, each pair
with its gold label). The `pawsx` reader reads them beside the original file in one
`train_data_path` (a comma list or a glob), and the `*_robust.jsonnet` configs do exactly that.

This module is the one place that says what counts as training on augmented data: a
`train_data_path` that names a local JSON-lines file (`*.jsonl`, `*.ndjson`: the
adversarial-split format; PAWS-X itself comes as TSV) whose records, when the file is there,
are adversarial-split records (MultiNLI's own `.jsonl` is not augmented data). The run's
identity in the report (`+robust`), the tiny-model overrides and the sweep's check all read it
from here. It also writes the augmented copy of the
bundled sample that tiny runs of the robust configs train on.
"""
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Union

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.adversarial_split import JSON_LINES_SUFFIXES, Record, SplitWriter
from allennlp_xfuse.data.sample_paths import BUNDLED_SAMPLE_DIR

#: The model-agnostic recipe, rate and seed of the augmented copies this project makes itself
#: (the bundled sample's, for tiny runs) and that the README and configs show: `xfuse-perturb`'s
#: recipe and rate, and a seed other than the one evaluation splits are perturbed with (13), so
#: that a training pair and a test pair of the same id do not draw the same edits.
DEFAULT_AUGMENTATION_RECIPE = "charnoise"
DEFAULT_AUGMENTATION_RATE = 0.1
DEFAULT_AUGMENTATION_SEED = 1

#: Where tiny runs of a robust config find the augmented copy of the sample, under the tiny
#: model's directory: `<model_dir>/augmented_sample/en/train.charnoise.jsonl`.
AUGMENTED_SAMPLE_DIR = "augmented_sample"


def data_path_pieces(train_data_path: Any) -> List[str]:
    """
    The entries of a config's `train_data_path` as written (a comma list split, a list taken
    item by item), without reading or globbing anything: the run's config must be readable where
    its data is not (an archive copied to another machine).

    # Parameters

    train_data_path : `Any`
        The config's value: a string, a list of strings, or `None` / anything else (no pieces).
    """
    entries = [train_data_path] if isinstance(train_data_path, (str, os.PathLike)) else (
        train_data_path if isinstance(train_data_path, (list, tuple)) else []
    )
    pieces: List[str] = []
    for entry in entries:
        if not isinstance(entry, (str, os.PathLike)):
            continue
        pieces.extend(piece.strip() for piece in str(entry).split(",") if piece.strip())
    return pieces


def augmented_training_paths(train_data_path: Any) -> List[str]:
    """
    The entries of `train_data_path` that are augmented training data: local JSON-lines files
    (named `*.jsonl` / `*.ndjson`, the adversarial-split format `xfuse-perturb` writes; a glob
    such as `data/pawsx_robust/en/train.*.jsonl` counts too) whose first record, when the file
    exists, names its `recipe`. Downloads (URLs, `archive!member`) never are.

    # Parameters

    train_data_path : `Any`
        A config's `train_data_path`.
    """
    return [piece for piece in data_path_pieces(train_data_path) if _is_augmented_file(piece)]


def _is_augmented_file(piece: str) -> bool:
    """
    Whether one data path is an augmented copy: a local JSON-lines path, and, when the file is
    there to look at, one whose first record is an adversarial-split record (it names its
    `recipe`). Datasets that come as JSON lines themselves (MultiNLI's
    `multinli_1.0_train.jsonl`, Hugging Face exports) are not: they are downloaded (a URL or an
    `archive!member`), or their records name no recipe.
    """
    if not piece.lower().endswith(JSON_LINES_SUFFIXES) or "://" in piece or "!" in piece:
        return False
    if "*" in piece or "?" in piece or not os.path.isfile(piece):
        return True  # a pattern, or a copy not made yet: the name is all there is to judge
    try:
        with open(piece, encoding="utf-8-sig") as lines:
            first = next((line for line in lines if line.strip()), "")
        record = json.loads(first)
    except (OSError, UnicodeDecodeError, ValueError):
        return True  # unreadable here: judged by its name, as a missing file is
    return isinstance(record, dict) and "recipe" in record


def trains_on_augmented_data(config: Dict[str, Any]) -> bool:
    """
    Whether a training config (as AllenNLP writes it into `config.json`, or as a flat dict)
    trains on augmented data: its `train_data_path` names a JSON-lines file.

    # Parameters

    config : `Dict[str, Any]`
    """
    return bool(augmented_training_paths(config.get("train_data_path")))


def check_augmented_training(name: str, config_file: str, overrides: Dict[str, Any]) -> None:
    """
    Raises a `ConfigurationError` when `config_file` trains on augmented data but `overrides`
    point its `train_data_path` at files without any: the run would be a standard one under a
    robust config's name (a sweep's blanket `train_data_path` override does that).

    # Parameters

    name : `str`
        The run or config name, for the message.
    config_file : `str`
    overrides : `Dict[str, Any]`
        The run's `--overrides` (dotted or nested).
    """
    from allennlp.common import Params

    if "train_data_path" not in overrides:
        return
    config = Params.from_file(config_file).as_dict(quiet=True)
    if not trains_on_augmented_data(config) or augmented_training_paths(
        overrides["train_data_path"]
    ):
        return
    raise ConfigurationError(
        f"{name}: {config_file} trains on the original plus augmented data "
        f"(train_data_path {config['train_data_path']!r}), but the overrides set "
        f"train_data_path to {overrides['train_data_path']!r}, which has no augmented "
        f"(JSON-lines) file: it would train a standard model. Give this config its own "
        f"train_data_path with the augmented file too, e.g. --overrides-for {name} "
        f"'{{\"train_data_path\": \"ORIGINAL.tsv,AUGMENTED.jsonl\"}}'."
    )


class ChangedPairsWriter:
    """
    Wraps a `SplitWriter`, writing only the records whose text the recipe changed
    (`xfuse-perturb --changed-only`): in augmented training data an unchanged copy only repeats
    an original pair (code-mixing leaves pairs without a dictionary word as they are). Counts
    what it leaves out in `unchanged`. The rest is the wrapped writer's: `done` and `existing`
    (so a resumed run perturbs the unchanged pairs again, deterministically, and leaves them out
    again), `settings`, `path`.

    # Parameters

    writer : `SplitWriter`
    """

    def __init__(self, writer: SplitWriter) -> None:
        self.writer = writer
        self.unchanged = 0

    @property
    def done(self) -> Set:
        return self.writer.done

    @property
    def existing(self) -> List[Record]:
        return self.writer.existing

    @property
    def settings(self) -> Dict[str, Any]:
        return self.writer.settings

    @property
    def path(self) -> str:
        return self.writer.path

    def write(self, record: Record) -> None:
        """Writes `record` unless both its sentences are the original ones."""
        if (record["sentence1"], record["sentence2"]) == (
            record["original_sentence1"], record["original_sentence2"]
        ):
            self.unchanged += 1
            return
        self.writer.write(record)


def write_augmented_copy(
    input_file: str,
    output_file: str,
    recipe: str = DEFAULT_AUGMENTATION_RECIPE,
    rate: float = DEFAULT_AUGMENTATION_RATE,
    seed: int = DEFAULT_AUGMENTATION_SEED,
) -> str:
    """
    Writes the model-agnostic perturbation of every pair of `input_file` to `output_file`, as
    `allennlp xfuse-perturb INPUT --recipe RECIPE --rate RATE --seed SEED --output OUTPUT
    --resume` does (same records, same settings in `<output>.summary.json`), and returns
    `output_file`. An output that is already complete is left as it is.

    # Parameters

    input_file : `str`
        A PAWS-X training file (any layout).
    output_file : `str`
        The augmented copy (JSON lines).
    recipe : `str`, optional (default = `DEFAULT_AUGMENTATION_RECIPE`)
        A model-agnostic recipe that takes a `rate` (`charnoise`, `code_mix_random`).
    rate : `float`, optional (default = `DEFAULT_AUGMENTATION_RATE`)
    seed : `int`, optional (default = `DEFAULT_AUGMENTATION_SEED`)
    """
    # The attack machinery is imported when a copy is made, not with the training package.
    from allennlp_xfuse.attacks.examples import load_examples
    from allennlp_xfuse.attacks.recipes import AttackRecipe
    from allennlp_xfuse.attacks.runner import perturb_examples
    from allennlp_xfuse.data.adversarial_split import (
        read_split,
        summarize,
        summary_path,
        write_summary,
    )

    examples = load_examples(input_file)
    attack_recipe = AttackRecipe.from_spec(recipe, perturb="both", rate=rate)
    if not attack_recipe.model_agnostic:
        raise ConfigurationError(f"{recipe} needs a model: augmented copies are model-agnostic.")
    settings = {"seed": seed, "perturb": "both", "rate": rate, "recipe_params": {}}
    with SplitWriter(output_file, resume=True, recipe=recipe, settings=settings) as writer:
        perturb_examples(attack_recipe, recipe, examples, writer, seed)
    write_summary(
        summary_path(output_file),
        summarize(read_split(output_file), output=output_file, recipe=recipe, input=input_file,
                  seed=seed, rate=rate, perturb="both", settings=writer.settings),
    )
    return output_file


def augmented_sample_paths(
    model_dir: Union[str, Path], sample_dir: Optional[Union[str, Path]] = None
) -> Sequence[str]:
    """
    `(original, augmented)`: the English training file of the sample (the bundled one by
    default) and its augmented copy under `model_dir/augmented_sample/en/`, written when missing
    (`write_augmented_copy`, charnoise at rate 0.1, seed 1; about a second): what tiny runs of
    a robust config train on.

    # Parameters

    model_dir : `Union[str, Path]`
        The tiny model's directory (`allennlp xfuse-tiny-model OUT_DIR`).
    sample_dir : `Union[str, Path]`, optional (default = the bundled sample)
        A directory laid out as `<lang>/{train,dev_2k}.tsv`.
    """
    data_dir = Path(sample_dir).resolve() if sample_dir is not None else BUNDLED_SAMPLE_DIR
    original = str(data_dir / "en" / "train.tsv")
    augmented = (
        Path(model_dir).resolve() / AUGMENTED_SAMPLE_DIR / "en"
        / f"train.{DEFAULT_AUGMENTATION_RECIPE}.jsonl"
    )
    write_augmented_copy(original, str(augmented))
    return original, str(augmented)
