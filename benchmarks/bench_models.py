"""
Models the benchmarks share: a BERT-base-sized encoder with random weights saved like a hub
checkpoint (so AllenNLP's `pretrained_transformer` classes and Hugging Face load it the usual
way), and AllenNLP classifiers built from the shipped configs around any such encoder.

Offline: the tokenizer holds the tiny model's wordpieces (trained on the bundled sample) padded
to mBERT's vocabulary size (119,547), so the embedding matrix, parameter count and optimizer
cost are mBERT's.
"""
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, Optional

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "training_configs"
MBERT_VOCAB_SIZE = 119547

# (config, extra overrides): the three models the paper compares
VARIANTS: Dict[str, Dict[str, Any]] = {
    "baseline": {"config": "pawsx_baseline.jsonnet", "overrides": {}},
    "dlfa": {"config": "pawsx_dlfa.jsonnet", "overrides": {}},
    "aif": {"config": "pawsx_aif.jsonnet", "overrides": {}},
}


# Written into every directory the benchmarks replace: a rerun may replace it again; a directory
# without it is not theirs and is never deleted.
OWNER_MARKER = ".xfuse_bench"


def fresh_directory(directory: str) -> None:
    """
    Makes `directory` empty for a benchmark to write: removes it first only if a benchmark wrote
    it (it holds `OWNER_MARKER`); exits with one line naming it when it holds anything else.

    # Parameters

    directory : `str`
    """
    if os.path.isfile(os.path.join(directory, OWNER_MARKER)):
        shutil.rmtree(directory)
    elif os.path.isdir(directory) and os.listdir(directory):
        sys.exit(f"{directory}: exists and was not written by a benchmark; give another "
                 "--work-dir or remove it")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, OWNER_MARKER), "w", encoding="utf-8") as marker:
        marker.write("written by allennlp-xfuse's benchmarks; replaced on their next run\n")


def setup_offline() -> None:
    """Offline Hugging Face settings (unless the caller set them) and the repository on
    `sys.path`, so `allennlp_xfuse` imports from a checkout without an install."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))


def build_tiny(directory: str) -> str:
    """
    The tiny model of `allennlp xfuse-tiny-model` (12 layers, hidden 32), built once.

    # Parameters

    directory : `str`
        Where to write it; reused when it already holds a `config.json`.
    """
    from allennlp_xfuse.training.tiny_model import build_tiny_model

    if not os.path.isfile(os.path.join(directory, "config.json")):
        build_tiny_model(directory, seed=13)
    return directory


def build_bert_base(directory: str, tokenizer_dir: str, num_layers: int = 12) -> str:
    """
    A randomly initialised BERT-base (12 layers, 768 hidden, 12 heads, 3072 intermediate)
    saved with `save_pretrained`, with a cased WordPiece tokenizer of mBERT's vocabulary size:
    the tiny model's wordpieces (`tokenizer_dir`) padded with unused entries. AllenNLP resizes a
    transformer's embeddings to its tokenizer, so the tokenizer must have the full size for the
    model to keep mBERT's parameter count. Built once per directory.

    # Parameters

    directory : `str`
        Where to write it; reused when it already holds a `config.json`.
    tokenizer_dir : `str`
        The tiny model's directory, whose `vocab.txt` starts the vocabulary.
    num_layers : `int`, optional (default = `12`)
        Transformer layers.
    """
    if os.path.isfile(os.path.join(directory, "config.json")):
        return directory
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(tokenizer_dir, "vocab.txt"), encoding="utf-8") as vocab_file:
        wordpieces = [line.rstrip("\n") for line in vocab_file]
    wordpieces += [f"##xfuse{index}" for index in range(MBERT_VOCAB_SIZE - len(wordpieces))]
    vocab_path = os.path.join(directory, "vocab.txt")
    with open(vocab_path, "w", encoding="utf-8") as vocab_file:
        vocab_file.write("\n".join(wordpieces) + "\n")
    BertTokenizerFast(vocab_path, do_lower_case=False, strip_accents=False,
                      tokenize_chinese_chars=True, model_max_length=512).save_pretrained(directory)

    torch.manual_seed(0)
    config = BertConfig(vocab_size=MBERT_VOCAB_SIZE, hidden_size=768, num_hidden_layers=num_layers,
                        num_attention_heads=12, intermediate_size=3072)
    BertModel(config).save_pretrained(directory)
    return directory


def _model_config(model_dir: str) -> Dict[str, Any]:
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as config_file:
        return json.load(config_file)


def hidden_size(model_dir: str) -> int:
    """
    The `hidden_size` of a saved model.

    # Parameters

    model_dir : `str`
        A directory written by `save_pretrained`.
    """
    return int(_model_config(model_dir)["hidden_size"])


def vocab_size(model_dir: str) -> int:
    """
    The `vocab_size` of a saved model: random token ids must stay below it.

    # Parameters

    model_dir : `str`
        A directory written by `save_pretrained`.
    """
    return int(_model_config(model_dir)["vocab_size"])


def variant_params(variant: str, model_dir: str, extra: Optional[Dict[str, Any]] = None):
    """
    The full `Params` of a shipped config pointed at `model_dir` (names and sizes).

    # Parameters

    variant : `str`
        A key of `VARIANTS`.
    model_dir : `str`
        A directory written by `save_pretrained`.
    extra : `Dict[str, Any]`, optional (default = `None`)
        More overrides, applied last.
    """
    from allennlp.common import Params

    from allennlp_xfuse.training.overrides import model_and_data_overrides

    config_file = str(CONFIG_DIR / VARIANTS[variant]["config"])
    overrides = model_and_data_overrides(config_file, model_dir)
    overrides.update(VARIANTS[variant]["overrides"])
    overrides.update(extra or {})
    return Params.from_file(config_file, json.dumps(overrides))


def build_classifier(variant: str, model_dir: str, extra: Optional[Dict[str, Any]] = None):
    """
    `(model, vocab, params)`: the config's `basic_classifier` around `model_dir`, with a
    two-label vocabulary where label "1" has index 0 (as AllenNLP's frequency order may give).
    The model is on the CPU; the caller moves it.

    # Parameters

    variant : `str`
        A key of `VARIANTS`.
    model_dir : `str`
        A directory written by `save_pretrained`.
    extra : `Dict[str, Any]`, optional (default = `None`)
        More overrides of the config.
    """
    from allennlp.data import Vocabulary
    from allennlp.models import Model

    import allennlp_xfuse  # noqa: F401  (registers the components)

    params = variant_params(variant, model_dir, extra)
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(["1", "0"], namespace="labels")
    model = Model.from_params(vocab=vocab, params=params.duplicate().pop("model"))
    return model, vocab, params


def save_archive(model, vocab, params, serialization_dir: str) -> str:
    """
    Archives an (untrained) model the way training would: config.json, vocabulary, weights,
    then AllenNLP's `archive_model`. Returns the model.tar.gz path.

    # Parameters

    model : `Model`
    vocab : `Vocabulary`
    params : `Params`
        The config the model was built from.
    serialization_dir : `str`
        Replaced if a benchmark wrote it (see `fresh_directory`).
    """
    import torch
    from allennlp.models.archival import archive_model

    fresh_directory(serialization_dir)
    params.to_file(os.path.join(serialization_dir, "config.json"))
    vocab.save_to_files(os.path.join(serialization_dir, "vocabulary"))
    torch.save(model.state_dict(), os.path.join(serialization_dir, "best.th"))
    archive_model(serialization_dir)
    return os.path.join(serialization_dir, "model.tar.gz")


def export_sequence_classifier(model, tokenizer_dir: str, directory: str) -> str:
    """
    Saves the baseline classifier `model` as the Hugging Face model that computes the same
    function, `BertForSequenceClassification` (the encoder, BERT's pooler on [CLS], the linear
    layer), with its tokenizer and label names, in a `save_pretrained` directory: what a plain
    Hugging Face user would load instead of the AllenNLP archive. Returns `directory`.

    The pooler is the head's own (`bert_pooler`, a copy of the encoder's that training
    updates), not the encoder's unused one, so the export stays equal to a trained archive.

    # Parameters

    model : `Model`
        A `basic_classifier` with a `pretrained_transformer` embedder and a `bert_pooler`
        seq2vec encoder (the shipped baseline config).
    tokenizer_dir : `str`
        The encoder's directory, whose tokenizer files are copied.
    directory : `str`
        Where to write; replaced if a benchmark wrote it (see `fresh_directory`).
    """
    from allennlp.modules.seq2vec_encoders import BertPooler
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    head = model._seq2vec_encoder
    if not isinstance(head, BertPooler):
        raise ValueError(f"export_sequence_classifier: the model's seq2vec encoder is "
                         f"{type(head).__name__}, not the baseline's bert_pooler")
    transformer = model._text_field_embedder._token_embedders["tokens"].transformer_model
    labels = model.vocab.get_index_to_token_vocabulary("labels")
    config = BertConfig.from_dict(transformer.config.to_dict())
    config.num_labels = len(labels)
    config.id2label = dict(labels)
    config.label2id = {label: index for index, label in labels.items()}
    classifier = BertForSequenceClassification(config)
    state = {f"bert.{name}": value for name, value in transformer.state_dict().items()
             if not name.startswith("pooler.")}
    state.update({f"bert.pooler.{name}": value for name, value in head.pooler.state_dict().items()})
    state.update({f"classifier.{name}": value
                  for name, value in model._classification_layer.state_dict().items()})
    classifier.load_state_dict(state, strict=True)
    fresh_directory(directory)
    classifier.save_pretrained(directory)
    AutoTokenizer.from_pretrained(tokenizer_dir).save_pretrained(directory)
    return directory
