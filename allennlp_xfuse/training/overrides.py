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
import math
import os
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Union

from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.sample_paths import BUNDLED_SAMPLE_DIR, sample_training_files

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

# The shipped configs' layer indices are chosen for mBERT's 12 transformer layers.
CONFIG_NUM_LAYERS = 12

# Every place a shipped config may name its transformer; overrides set those a config has.
MODEL_NAME_KEYS = COMMON_MODEL_NAME_KEYS + HEAD_MODEL_NAME_KEYS

# The seq2vec encoder's size: `input_dim` of the fusion encoders, `embedding_dim` of
# `cls_pooler`. (`bert_pooler` has none: it takes its size from the transformer.)
ENCODER_SIZE_KEYS = (
    "model.seq2vec_encoder.input_dim",
    "model.seq2vec_encoder.embedding_dim",
    "model.encoder.input_dim",  # the taggers' Seq2Seq encoder (fusion or pass_through)
)

# AllenNLP seeds Python's, NumPy's and PyTorch's generators from three separate keys.
SEED_KEYS = ("random_seed", "numpy_seed", "pytorch_seed")


class EncoderShape(NamedTuple):
    """
    What the overrides need to know of a transformer: its `hidden_size` and its number of
    transformer layers (`num_hidden_layers`; `hidden_states` has one more entry).
    """

    hidden_size: int
    num_layers: int


def encoder_shape(model_name: str) -> EncoderShape:
    """
    The shape of `model_name` from its configuration (`config.json`), read by Hugging Face's
    `AutoConfig`: a local directory offline, a hub name through the hub or its cache.

    # Parameters

    model_name : `str`
        A hub name or a directory written by `save_pretrained`.
    """
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(model_name)
    except (OSError, ValueError) as error:
        where = "the directory" if os.path.isdir(model_name) else "the hub or its cache"
        raise ConfigurationError(
            f"Could not read the configuration of {model_name!r} from {where} "
            f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}). "
            f"Give a local directory written by save_pretrained, or its hidden size and "
            f"number of layers (--hidden-size, --num-layers)."
        ) from None
    return EncoderShape(int(config.hidden_size), int(config.num_hidden_layers))


def scale_layers(
    layers: Sequence[int], num_layers: int, reference_num_layers: int = CONFIG_NUM_LAYERS
) -> List[int]:
    """
    The `layers` of a config written for a `reference_num_layers`-layer encoder, moved to the
    same relative depths of a `num_layers`-layer one: `hidden_states` index k becomes
    round(k * num_layers / reference_num_layers) (halves up), kept within 1..num_layers - 1
    so that the top layer stays last; 0 (the embeddings) and negative indices (counted from
    the top) are kept. Mapping two layers onto one is a `ConfigurationError`: the fusion needs
    distinct layers, and which one to drop is the user's choice.

    # Parameters

    layers : `Sequence[int]`
        `hidden_states` indices, ascending, as in the shipped configs (e.g. `[3, 6, 9, -1]`).
    num_layers : `int`
        The transformer layers of the encoder the config is moved to.
    reference_num_layers : `int`, optional (default = `CONFIG_NUM_LAYERS`)
        The transformer layers the config's indices were chosen for.
    """
    scaled = []
    for layer in layers:
        if layer <= 0:
            scaled.append(layer)
            continue
        moved = math.floor(layer * num_layers / reference_num_layers + 0.5)
        scaled.append(min(max(moved, 1), num_layers - 1))
    resolved = [layer % (num_layers + 1) for layer in scaled]
    if len(set(resolved)) != len(resolved):
        raise ConfigurationError(
            f"The layers {list(layers)} (chosen for {reference_num_layers} layers) map to "
            f"{scaled} on an encoder of {num_layers} layers, which repeats a layer. Set "
            f"{LAYERS_KEY} (and the encoder's num_layers/input_dim) yourself."
        )
    return scaled


def model_and_data_overrides(
    config_file: str,
    model_name: str,
    train_data_path: Optional[str] = None,
    validation_data_path: Optional[str] = None,
    hidden_size: Optional[int] = None,
    overrides: Optional[Dict[str, Any]] = None,
    num_layers: Optional[int] = None,
    validation: bool = True,
) -> Dict[str, Any]:
    """
    Returns a flat `--overrides` dictionary that runs `config_file` on `model_name` and, when
    given, other data files.

    Every `MODEL_NAME_KEYS` entry the config has is set to `model_name`, the head's included
    (`bert_pooler`'s `pretrained_model`). With the encoder's shape (read from a local
    `model_name`'s `config.json`, or given), the embedder's `layers` are moved to the same
    relative depths (`scale_layers`) and the seq2vec encoder's `input_dim` (fusion encoders)
    or `embedding_dim` (`cls_pooler`) is resized to `hidden_size` times the number of layers
    the embedder concatenates. Given a local `train_data_path`, the trainer's epochs are
    recomputed for its size (`selection_schedule`: XTREME's dev-every-200-steps selection over
    5 passes, or one validation per pass on small data).

    # Parameters

    config_file : `str`
        The config the overrides are for; only the keys it has are overridden.
    model_name : `str`
        A hub name or a local directory written by `save_pretrained`.
    train_data_path : `str`, optional (default = `None`)
        Unchanged when `None`.
    validation_data_path : `str`, optional (default = `None`)
        Unchanged when `None` (see `validation`).
    hidden_size : `int`, optional (default = the `hidden_size` in `model_name/config.json`)
        Without it, a hub model leaves the encoder sizes as the config has them.
    overrides : `Dict[str, Any]`, optional (default = `None`)
        The user's own overrides of `config_file`, applied before the keys are derived, so the
        result fits the config they make: e.g. with `{"model.seq2vec_encoder.pooler": null}`
        (a fusion config with the raw [CLS] head) no head model name is set, and a baseline
        switched to `cls_pooler` gets its `embedding_dim` resized. Not part of the result:
        combine the two with `merge_overrides(overrides, result)`.
    num_layers : `int`, optional (default = the `num_hidden_layers` in `model_name/config.json`)
        The encoder's transformer layers; without it, a hub model keeps the config's layers.
    validation : `bool`, optional (default = `True`)
        `False` removes `validation_data_path` (no model selection: the last epoch's model is
        archived), e.g. to train offline without a dev set.
    """
    user_overrides = json.dumps(overrides) if overrides else ""
    params = Params.from_file(config_file, user_overrides).as_flat_dict()
    result: Dict[str, Any] = {key: model_name for key in MODEL_NAME_KEYS if key in params}
    if os.path.isdir(model_name) and (hidden_size is None or num_layers is None):
        shape = encoder_shape(model_name)
        hidden_size = shape.hidden_size if hidden_size is None else hidden_size
        num_layers = shape.num_layers if num_layers is None else num_layers
    layers = params.get(LAYERS_KEY)
    if layers and num_layers is not None and num_layers != CONFIG_NUM_LAYERS:
        result[LAYERS_KEY] = scale_layers(layers, num_layers)
    if hidden_size is not None:
        concatenated = len(layers) if layers else 1
        for key in ENCODER_SIZE_KEYS:
            if key in params:
                result[key] = concatenated * hidden_size
    if train_data_path is not None:
        result["train_data_path"] = train_data_path
        result.update(_schedule_overrides(train_data_path, params))
    if not validation:
        if validation_data_path is not None:
            raise ConfigurationError(
                f"validation_data_path {validation_data_path!r} given with validation off."
            )
        result["validation_data_path"] = None
    elif validation_data_path is not None:
        result["validation_data_path"] = validation_data_path
    return result


def _schedule_overrides(train_data_path: str, params: Dict[str, Any]) -> Dict[str, Any]:
    """
    `data_loader.batches_per_epoch` and `trainer.num_epochs` of XTREME's selection schedule for
    the pairs in `train_data_path`, when it is local (a remote file is not downloaded to be
    counted: the config's schedule stays, and `xfuse-overrides` says so).

    # Parameters

    train_data_path : `str`
        The training data, as the reader takes it (a path, a comma list or a glob).
    params : `Dict[str, Any]`
        The flat config the overrides are for.
    """
    from allennlp_xfuse.data.pair_files import read_pair_files
    from allennlp_xfuse.data.xnli_files import read_xnli_files
    from allennlp_xfuse.training.selection_schedule import selection_schedule

    if "://" in train_data_path or "!" in train_data_path:
        return {}
    if params and "data_loader.batches_per_epoch" not in params:
        return {}  # a config that validates once per epoch (the taggers') has no schedule
    if params.get("dataset_reader.type") == "xnli":
        rows = read_xnli_files(train_data_path, verbose=False)
    else:
        rows = read_pair_files(train_data_path, verbose=False)
    num_pairs = sum(1 for _ in rows)
    if num_pairs == 0:
        raise ConfigurationError(f"No training pairs in {train_data_path}.")
    schedule = selection_schedule(num_pairs, int(params.get("data_loader.batch_size", 32)))
    return {
        "data_loader.batches_per_epoch": schedule.batches_per_epoch,
        "trainer.num_epochs": schedule.num_epochs,
    }


def tiny_overrides(
    model_dir: Union[str, Path],
    sample_dir: Optional[Union[str, Path]] = None,
    config_file: Optional[str] = None,
) -> Dict[str, Any]:
    """
    The `--overrides` that run a shipped config on a local model (e.g. the tiny one of
    `allennlp xfuse-tiny-model`) and the bundled sample of its task (PAWS-X; with
    `config_file`, also XNLI, PAN-X NER or UD POS, by its `dataset_reader.type`): the model
    name of the tokenizer, the indexer and the embedder, the English train/dev paths, and the
    epochs of the selection schedule for the sample's size (one validation per pass: the
    shipped configs' 193-batch epochs are for the full English PAWS-X train set; the taggers
    validate once per epoch and keep their epochs). Given `config_file`, they come from
    `model_and_data_overrides`, which also points that config's head (`bert_pooler`) at the
    model and resizes its encoder to the model's hidden size (and its layers to its depth);
    without it, they hold only the keys every config has, which leaves the head and the
    encoder sizes of the shipped configs at mBERT's.
    The batch size is left to the caller, and so is a shorter run (`trainer.num_epochs`).

    A config that trains on augmented data (a robust config: its `train_data_path` names a
    JSON-lines file, see `augmented_data`) trains on the sample's English training file plus its
    augmented copy, which is written under `model_dir/augmented_sample/` when missing (charnoise,
    rate 0.1, seed 1): pointing it at the sample alone would make it a standard run.

    # Parameters

    model_dir : `Union[str, Path]`
        A directory written with `save_pretrained` (model and tokenizer).
    sample_dir : `Union[str, Path]`, optional (default = the bundled sample of the task)
        A directory laid out as `<lang>/{train,dev_2k}.tsv` (PAWS-X).
    config_file : `str`, optional (default = `None`)
        The config the overrides are for.
    """
    model_name = str(Path(model_dir).resolve())
    data_dir = Path(sample_dir).resolve() if sample_dir is not None else BUNDLED_SAMPLE_DIR
    train_path = str(data_dir / "en" / "train.tsv")
    validation_path = str(data_dir / "en" / "dev_2k.tsv")
    reader_type = (
        Params.from_file(config_file).as_flat_dict().get("dataset_reader.type")
        if config_file is not None else None
    )
    if sample_dir is None and reader_type not in (None, "pawsx", "adversarial_pawsx"):
        # another task's config: that task's bundled sample
        train_path, validation_path = sample_training_files(reader_type)
    if config_file is not None:
        from allennlp_xfuse.training.augmented_data import (
            augmented_sample_paths,
            trains_on_augmented_data,
        )

        if trains_on_augmented_data(Params.from_file(config_file).as_dict(quiet=True)):
            train_path = ",".join(augmented_sample_paths(model_name, data_dir))
        return model_and_data_overrides(config_file, model_name, train_path, validation_path)
    overrides: Dict[str, Any] = {key: model_name for key in COMMON_MODEL_NAME_KEYS}
    overrides.update({"train_data_path": train_path, "validation_data_path": validation_path})
    overrides.update(_schedule_overrides(train_path, {}))
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
