"""
A model archive for the attack tests, built in a second without training: a stock
`basic_classifier` (tiny BERT `pretrained_transformer` embedder + `cls_pooler`) on the `pawsx`
reader, with random weights fixed by a seed, archived with AllenNLP's `archive_model`.

The attacks only need a deterministic classifier whose predictions vary with the text: only
the classification layer is fitted (logistic regression on the frozen CLS features of the
English training sample, a second on a CPU), as a random head predicts one class for every
pair. A trained archive (the `trained_archive` fixture of conftest.py) can replace this one wherever
the label order does not matter. `label_order` sets the label vocabulary, so a test can make
label "1" index 0, as AllenNLP does when "1" is the more frequent training label.
"""
import copy
import os
import tempfile
from typing import Dict, Sequence, Tuple

import torch
from allennlp.common import Params
from allennlp.data import Batch, DatasetReader, Vocabulary
from allennlp.models import Model
from allennlp.models.archival import archive_model


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
