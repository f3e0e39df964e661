"""
`--overrides` for `allennlp train`: the config keys the experiment sets, the overrides that point
a shipped config at another (local) transformer and other data, the seeds of a run, and merging
the user's overrides with ours.

The shipped configs default to mBERT (hidden size 768) and the official PAWS-X release. Moving a
config to another model touches every place that names the model, and the encoder sizes that
follow from its hidden size; this module derives those overrides from the config itself, so the
same function serves the offline tests, `make demo`, the layer sweep, and users smoke-testing a
config with `allennlp xfuse-tiny-model`.
"""
import copy
import json
import os
from pathlib import Path
from typing import Any, Dict, Optional, Union

from allennlp.common import Params

from allennlp_xfuse.data.sample_paths import BUNDLED_SAMPLE_DIR

# The embedder's `layers` in the shipped configs: the hidden_states it concatenates for the
# fusion encoder; the dlfa configs set `[k, -1]` to fuse hidden_states[k] with the top.
LAYERS_KEY = "model.text_field_embedder.token_embedders.tokens.layers"

# Every place a shipped config names its transformer.
MODEL_NAME_KEYS = (
    "dataset_reader.tokenizer.model_name",
    "dataset_reader.token_indexers.tokens.model_name",
    "model.text_field_embedder.token_embedders.tokens.model_name",
)

# AllenNLP seeds Python's, NumPy's and PyTorch's generators from three separate keys.
SEED_KEYS = ("random_seed", "numpy_seed", "pytorch_seed")


def _hidden_size(model_dir: str) -> int:
    """
    The `hidden_size` in a local model's `config.json`.

    # Parameters

    model_dir : `str`
        A directory written by `save_pretrained`.
    """
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as config_file:
        return int(json.load(config_file)["hidden_size"])


def model_and_data_overrides(
    config_file: str,
    model_name: str,
    train_data_path: Optional[str] = None,
    validation_data_path: Optional[str] = None,
    hidden_size: Optional[int] = None,
) -> Dict[str, Any]:
    """
    Returns a flat `--overrides` dictionary that runs `config_file` on `model_name` and, when
    given, other data files.

    The seq2vec encoder's `input_dim` (fusion encoders) or `embedding_dim` (poolers) is resized
    to `hidden_size` times the number of layers the embedder concatenates.

    # Parameters

    config_file : `str`
        The config the overrides are for; only the keys it has are overridden.
    model_name : `str`
        A hub name or a local directory written by `save_pretrained`.
    train_data_path : `str`, optional (default = `None`)
    validation_data_path : `str`, optional (default = `None`)
    hidden_size : `int`, optional (default = the `hidden_size` in `model_name/config.json`)
        Without it, a hub model leaves the encoder sizes as the config has them.
    """
    params = Params.from_file(config_file).as_flat_dict()
    overrides: Dict[str, Any] = {key: model_name for key in MODEL_NAME_KEYS if key in params}
    if hidden_size is None and os.path.isdir(model_name):
        hidden_size = _hidden_size(model_name)
    if hidden_size is not None:
        layers = params.get(LAYERS_KEY)
        num_layers = len(layers) if layers else 1
        for key in ("model.seq2vec_encoder.input_dim", "model.seq2vec_encoder.embedding_dim"):
            if key in params:
                overrides[key] = num_layers * hidden_size
    if train_data_path is not None:
        overrides["train_data_path"] = train_data_path
    if validation_data_path is not None:
        overrides["validation_data_path"] = validation_data_path
    return overrides


def tiny_overrides(
    model_dir: Union[str, Path],
    sample_dir: Optional[Union[str, Path]] = None,
    config_file: Optional[str] = None,
) -> Dict[str, Any]:
    """
    The `--overrides` that run a shipped PAWS-X config (`training_configs/pawsx_*.jsonnet`)
    on a local model (e.g. the tiny one of `allennlp xfuse-tiny-model`) and the bundled
    sample: the model name of the tokenizer, the indexer and the embedder, and the English
    train/dev paths. Given `config_file`, they come from `model_and_data_overrides`, which also
    resizes that config's encoder to the model's hidden size. Batch size and epochs are left to
    the caller.

    # Parameters

    model_dir : `Union[str, Path]`
        A directory written with `save_pretrained` (model and tokenizer).
    sample_dir : `Union[str, Path]`, optional (default = the bundled sample)
        A directory laid out as `<lang>/{train,dev_2k}.tsv`.
    config_file : `str`, optional (default = `None`)
        The config the overrides are for.
    """
    model_name = str(Path(model_dir).resolve())
    data_dir = Path(sample_dir).resolve() if sample_dir is not None else BUNDLED_SAMPLE_DIR
    train_path = str(data_dir / "en" / "train.tsv")
    validation_path = str(data_dir / "en" / "dev_2k.tsv")
    if config_file is not None:
        return model_and_data_overrides(config_file, model_name, train_path, validation_path)
    overrides: Dict[str, Any] = {key: model_name for key in MODEL_NAME_KEYS}
    overrides.update({"train_data_path": train_path, "validation_data_path": validation_path})
    return overrides


def seed_overrides(seed: int) -> Dict[str, int]:
    """
    The same seed for Python's, NumPy's and PyTorch's generators.

    # Parameters

    seed : `int`
    """
    return {key: seed for key in SEED_KEYS}


def merge_overrides(user: Dict[str, Any], ours: Dict[str, Any]) -> Dict[str, Any]:
    """
    `user` overrides plus `ours` (dotted keys, which win). AllenNLP rejects a dotted key under a
    key that is also given whole (`{"model": {...}, "model.x": 1}`), so when the user gave a
    nested value above one of our keys, ours is written into that nested value instead.

    # Parameters

    user : `Dict[str, Any]`
        The user's overrides, dotted or nested; not modified.
    ours : `Dict[str, Any]`
        Dotted keys to set.
    """
    merged = copy.deepcopy(user)
    for key, value in ours.items():
        parent = next((u for u in merged if key.startswith(f"{u}.")), None)
        if parent is None or not isinstance(merged[parent], dict):
            merged[key] = copy.deepcopy(value)
            continue
        _set_dotted(merged[parent], key[len(parent) + 1:], value)
    return merged


def _set_dotted(target: Dict[str, Any], key: str, value: Any) -> None:
    """
    Sets the dotted `key` in the nested `target`, descending through the dicts it already has
    and writing the rest of the key dotted where they end, as AllenNLP reads it either way.

    # Parameters

    target : `Dict[str, Any]`
        Modified in place.
    key : `str`
    value : `Any`
        Copied, so later edits of `target` leave the caller's value alone.
    """
    if key in target or "." not in key:
        target[key] = copy.deepcopy(value)
        return
    head, rest = key.split(".", 1)
    if isinstance(target.get(head), dict):
        _set_dotted(target[head], rest, value)
    else:
        target[key] = copy.deepcopy(value)
