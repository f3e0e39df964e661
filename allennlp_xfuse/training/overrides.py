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

# The places every shipped config names its transformer: the tokenizer, the indexer and the
# embedder.
COMMON_MODEL_NAME_KEYS = (
    "dataset_reader.tokenizer.model_name",
    "dataset_reader.token_indexers.tokens.model_name",
    "model.text_field_embedder.token_embedders.tokens.model_name",
)

# The places the head (`bert_pooler`, the transformer's pretrained pooler) names it: the
# baseline's seq2vec encoder is the head, a fusion encoder's head is its `pooler`. A config has
# one of them, or neither when its head is the raw [CLS].
HEAD_MODEL_NAME_KEYS = (
    "model.seq2vec_encoder.pretrained_model",
    "model.seq2vec_encoder.pooler.pretrained_model",
)

# Every place a shipped config may name its transformer; overrides set those a config has.
MODEL_NAME_KEYS = COMMON_MODEL_NAME_KEYS + HEAD_MODEL_NAME_KEYS

# The seq2vec encoder's size: `input_dim` of the fusion encoders, `embedding_dim` of
# `cls_pooler`. (`bert_pooler` has none: it takes its size from the transformer.)
ENCODER_SIZE_KEYS = ("model.seq2vec_encoder.input_dim", "model.seq2vec_encoder.embedding_dim")

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
    overrides: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """
    Returns a flat `--overrides` dictionary that runs `config_file` on `model_name` and, when
    given, other data files.

    Every `MODEL_NAME_KEYS` entry the config has is set to `model_name`, the head's included
    (`bert_pooler`'s `pretrained_model`). The seq2vec encoder's `input_dim` (fusion encoders)
    or `embedding_dim` (`cls_pooler`) is resized to `hidden_size` times the number of layers
    the embedder concatenates.

    # Parameters

    config_file : `str`
        The config the overrides are for; only the keys it has are overridden.
    model_name : `str`
        A hub name or a local directory written by `save_pretrained`.
    train_data_path : `str`, optional (default = `None`)
    validation_data_path : `str`, optional (default = `None`)
    hidden_size : `int`, optional (default = the `hidden_size` in `model_name/config.json`)
        Without it, a hub model leaves the encoder sizes as the config has them.
    overrides : `Dict[str, Any]`, optional (default = `None`)
        The user's own overrides of `config_file`, applied before the keys are derived, so the
        result fits the config they make: e.g. with `{"model.seq2vec_encoder.pooler": null}`
        (a fusion config with the raw [CLS] head) no head model name is set, and a baseline
        switched to `cls_pooler` gets its `embedding_dim` resized. Not part of the result:
        combine the two with `merge_overrides(overrides, result)`.
    """
    user_overrides = json.dumps(overrides) if overrides else ""
    params = Params.from_file(config_file, user_overrides).as_flat_dict()
    result: Dict[str, Any] = {key: model_name for key in MODEL_NAME_KEYS if key in params}
    if hidden_size is None and os.path.isdir(model_name):
        hidden_size = _hidden_size(model_name)
    if hidden_size is not None:
        layers = params.get(LAYERS_KEY)
        num_layers = len(layers) if layers else 1
        for key in ENCODER_SIZE_KEYS:
            if key in params:
                result[key] = num_layers * hidden_size
    if train_data_path is not None:
        result["train_data_path"] = train_data_path
    if validation_data_path is not None:
        result["validation_data_path"] = validation_data_path
    return result


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
    points that config's head (`bert_pooler`) at the model and resizes its encoder to the
    model's hidden size; without it, they hold only the keys every config has, which leaves the
    head and the encoder sizes of the shipped configs at mBERT's. Batch size and epochs are
    left to the caller.

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
    overrides: Dict[str, Any] = {key: model_name for key in COMMON_MODEL_NAME_KEYS}
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
    nested value above one of our keys, ours is written into that nested value instead; when
    the user's value there is `null` (a component removed, e.g.
    `{"model.seq2vec_encoder.pooler": null}`), ours has nothing to set and is left out.

    # Parameters

    user : `Dict[str, Any]`
        The user's overrides, dotted or nested; not modified.
    ours : `Dict[str, Any]`
        Dotted keys to set.
    """
    merged = copy.deepcopy(user)
    for key, value in ours.items():
        parent = next((u for u in merged if key.startswith(f"{u}.")), None)
        if parent is not None and merged[parent] is None:
            continue
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
