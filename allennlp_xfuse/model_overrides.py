"""
`--overrides` that point a shipped config at another (local) transformer and other data.

The shipped configs default to mBERT (hidden size 768) and the official PAWS-X release. Moving a
config to another model touches every place that names the model, and the encoder sizes that
follow from its hidden size; this module derives those overrides from the config itself, so the
same function serves the offline tests, `make demo`, and users smoke-testing a config with
`allennlp xfuse-tiny-model`.
"""

import json
import os
from typing import Any, Dict, Optional

from allennlp.common import Params

# Every place a shipped config names its transformer.
MODEL_NAME_KEYS = (
    "dataset_reader.tokenizer.model_name",
    "dataset_reader.token_indexers.tokens.model_name",
    "model.text_field_embedder.token_embedders.tokens.model_name",
)


def _hidden_size(model_dir: str) -> int:
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
    Returns a flat `--overrides` dictionary that runs `config_file` on `model_name` (a hub name
    or a local directory written by `save_pretrained`) and, when given, other data files.

    `hidden_size` defaults to the `hidden_size` in `model_name/config.json` (local models); the
    seq2vec encoder's `input_dim` (fusion encoders) or `embedding_dim` (poolers) is resized to it,
    times the number of layers the embedder concatenates.
    """
    params = Params.from_file(config_file).as_flat_dict()
    overrides: Dict[str, Any] = {key: model_name for key in MODEL_NAME_KEYS if key in params}
    if hidden_size is None and os.path.isdir(model_name):
        hidden_size = _hidden_size(model_name)
    if hidden_size is not None:
        layers = params.get("model.text_field_embedder.token_embedders.tokens.layers")
        num_layers = len(layers) if layers else 1
        for key in ("model.seq2vec_encoder.input_dim", "model.seq2vec_encoder.embedding_dim"):
            if key in params:
                overrides[key] = num_layers * hidden_size
    if train_data_path is not None:
        overrides["train_data_path"] = train_data_path
    if validation_data_path is not None:
        overrides["validation_data_path"] = validation_data_path
    return overrides
