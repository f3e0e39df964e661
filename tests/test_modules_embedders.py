"""The multi-layer transformer token embedders, against Hugging Face and AllenNLP's own.

A tiny random BERT (3 layers, hidden size 32) is built here, so that these tests do not depend
on anything but `transformers`.
"""
from typing import Dict, List

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch, Instance, Vocabulary
from allennlp.data.fields import LabelField, TextField
from allennlp.data.token_indexers import (
    PretrainedTransformerIndexer,
    PretrainedTransformerMismatchedIndexer,
)
from allennlp.data.tokenizers import PretrainedTransformerTokenizer, Token
from allennlp.models import Model
from allennlp.modules.token_embedders import (
    PretrainedTransformerEmbedder,
    PretrainedTransformerMismatchedEmbedder,
)
from transformers import AutoModel, BertConfig, BertModel, BertTokenizer

from allennlp_xfuse.modules import (
    MultilayerPretrainedTransformerEmbedder,
    MultilayerPretrainedTransformerMismatchedEmbedder,
)

HIDDEN = 32
NUM_LAYERS = 3
WORDS = "the a cat dog sat ran on under mat table and quickly slowly big small red".split()
TEXTS = [
    "the big red cat sat quickly on the small mat and the dog ran under the table",
    "a dog sat",
]
MAX_LENGTH = 8  # shorter than the first text, so that it is folded into segments


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> str:
    directory = tmp_path_factory.mktemp("tiny_bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS + ["##s", "##ed"]
    vocab_file = directory / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(str(vocab_file)).save_pretrained(str(directory))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=HIDDEN,
        num_hidden_layers=NUM_LAYERS,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(str(directory))
    return str(directory)


def _batch(instances: List[Instance]) -> Dict[str, torch.Tensor]:
    batch = Batch(instances)
    batch.index_instances(Vocabulary())
    return batch.as_tensor_dict()["tokens"]["tokens"]


def _wordpieces(model_dir: str, max_length=None, pair: bool = False) -> Dict[str, torch.Tensor]:
    tokenizer = PretrainedTransformerTokenizer(model_dir, add_special_tokens=False)
    indexer = PretrainedTransformerIndexer(model_dir, max_length=max_length)
    instances = []
    for text in TEXTS:
        tokens = tokenizer.tokenize(text)
        # A sentence pair gets type ids 1 on its second part, as the pawsx reader writes it.
        tokens = tokenizer.add_special_tokens(tokens, tokens if pair else None)
        instances.append(Instance({"tokens": TextField(tokens, {"tokens": indexer})}))
    return _batch(instances)


def _words(model_dir: str, max_length=None) -> Dict[str, torch.Tensor]:
    indexer = PretrainedTransformerMismatchedIndexer(model_dir, max_length=max_length)
    return _batch(
        [
            Instance({"tokens": TextField([Token(w) for w in text.split()], {"tokens": indexer})})
            for text in TEXTS
        ]
    )


def _hf_hidden_states(model_dir: str, wordpieces: Dict[str, torch.Tensor]):
    model = AutoModel.from_pretrained(model_dir).eval()
    with torch.no_grad():
        return model(
            input_ids=wordpieces["token_ids"],
            attention_mask=wordpieces["mask"].float(),
            token_type_ids=wordpieces["type_ids"],
            output_hidden_states=True,
        ).hidden_states


def _embed(embedder, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
    with torch.no_grad():
        return embedder.eval()(**inputs)


@pytest.mark.parametrize("layers", [[-1], [0, 2, -1], [1, 3], [-4, -2]])
@pytest.mark.parametrize("pair", [False, True])
def test_selected_layers_equal_hugging_face_hidden_states(model_dir, layers, pair):
    wordpieces = _wordpieces(model_dir, pair=pair)
    embedder = MultilayerPretrainedTransformerEmbedder(model_dir, layers=layers)
    assert embedder.get_output_dim() == len(layers) * HIDDEN
    output = _embed(embedder, wordpieces)
    hidden_states = _hf_hidden_states(model_dir, wordpieces)
    expected = torch.cat([hidden_states[k] for k in layers], dim=-1)
    assert output.shape == (len(TEXTS), wordpieces["token_ids"].size(1), len(layers) * HIDDEN)
    torch.testing.assert_close(output, expected)


def test_all_layers_by_default(model_dir):
    wordpieces = _wordpieces(model_dir)
    embedder = MultilayerPretrainedTransformerEmbedder(model_dir)
    assert embedder.layers == [0, 1, 2, 3]
    expected = torch.cat(_hf_hidden_states(model_dir, wordpieces), dim=-1)
    torch.testing.assert_close(_embed(embedder, wordpieces), expected)


def test_long_sequences_fold_like_the_stock_embedder(model_dir):
    wordpieces = _wordpieces(model_dir, max_length=MAX_LENGTH)
    assert wordpieces["token_ids"].size(1) > MAX_LENGTH
    stock = PretrainedTransformerEmbedder(model_dir, max_length=MAX_LENGTH)
    last = MultilayerPretrainedTransformerEmbedder(model_dir, layers=[-1], max_length=MAX_LENGTH)
    torch.testing.assert_close(_embed(last, wordpieces), _embed(stock, wordpieces))

    # Every selected layer goes through the stock folding and unfolding, as the last one does.
    layers = [0, 2, -1]
    embedder = MultilayerPretrainedTransformerEmbedder(
        model_dir, layers=layers, max_length=MAX_LENGTH
    )
    output = _embed(embedder, wordpieces)
    batch_size, length = wordpieces["token_ids"].shape
    token_ids, segment_mask, _ = stock._fold_long_sequences(
        wordpieces["token_ids"], wordpieces["segment_concat_mask"]
    )
    model = AutoModel.from_pretrained(model_dir).eval()
    with torch.no_grad():
        hidden_states = model(
            input_ids=token_ids, attention_mask=segment_mask.float(), output_hidden_states=True
        ).hidden_states
    for i, k in enumerate(layers):
        expected = stock._unfold_long_sequences(hidden_states[k], segment_mask, batch_size, length)
        torch.testing.assert_close(output[..., i * HIDDEN : (i + 1) * HIDDEN], expected)
    assert output.shape[:2] == wordpieces["mask"].shape


def test_mismatched_embedder_pools_wordpieces_to_words(model_dir):
    words = _words(model_dir)
    stock = PretrainedTransformerMismatchedEmbedder(model_dir)
    last = MultilayerPretrainedTransformerMismatchedEmbedder(model_dir, layers=[-1])
    torch.testing.assert_close(_embed(last, words), _embed(stock, words))

    embedder = MultilayerPretrainedTransformerMismatchedEmbedder(model_dir, layers=[1, -1])
    assert embedder.get_output_dim() == 2 * HIDDEN
    output = _embed(embedder, words)
    assert output.shape == (len(TEXTS), len(TEXTS[0].split()), 2 * HIDDEN)
    torch.testing.assert_close(output[..., HIDDEN:], _embed(stock, words))


@pytest.mark.parametrize("sub_token_mode", ["avg", "first"])
def test_mismatched_embedder_folds_like_the_stock_one(model_dir, sub_token_mode):
    words = _words(model_dir, max_length=MAX_LENGTH)
    options = {"max_length": MAX_LENGTH, "sub_token_mode": sub_token_mode}
    stock = PretrainedTransformerMismatchedEmbedder(model_dir, **options)
    embedder = MultilayerPretrainedTransformerMismatchedEmbedder(
        model_dir, layers=[-1], **options
    )
    torch.testing.assert_close(_embed(embedder, words), _embed(stock, words))


def test_parent_options_keep_working(model_dir):
    frozen = MultilayerPretrainedTransformerEmbedder(
        model_dir, layers=[1, 2], train_parameters=False, eval_mode=True
    )
    assert not any(p.requires_grad for p in frozen.parameters())
    frozen.train()
    assert frozen.training and not frozen.transformer_model.training
    mismatched = MultilayerPretrainedTransformerMismatchedEmbedder(
        model_dir, layers=[1, 2], train_parameters=False
    )
    assert not any(p.requires_grad for p in mismatched.parameters())


def test_hooks_do_not_outlive_a_forward_pass(model_dir):
    embedder = MultilayerPretrainedTransformerEmbedder(model_dir, layers=[0, 1])
    _embed(embedder, _wordpieces(model_dir))
    assert not embedder.transformer_model._forward_hooks
    assert not embedder.transformer_model._forward_pre_hooks


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"layers": [1, 4]}, "Layer indices [4] are out of range"),
        ({"layers": [-5]}, "valid indices are -4..3"),
        ({"layers": []}, "needs at least one layer"),
        # the fusion encoders fuse from the last listed layer down: reject what would fuse the
        # wrong layers silently
        ({"layers": [-1, 2]}, "hidden_states indices [3, 2]"),
        ({"layers": [3, -1]}, "list distinct layers in ascending order"),
        ({"last_layer_only": False}, "list the layers to output in `layers`"),
    ],
)
def test_configuration_errors(model_dir, kwargs, message):
    for cls in (
        MultilayerPretrainedTransformerEmbedder,
        MultilayerPretrainedTransformerMismatchedEmbedder,
    ):
        with pytest.raises(ConfigurationError) as error:
            cls(model_dir, **kwargs)
        assert message in str(error.value)
    with pytest.raises(ConfigurationError, match="Unknown sub_token_mode 'last'"):
        MultilayerPretrainedTransformerMismatchedEmbedder(model_dir, sub_token_mode="last")


@pytest.mark.parametrize("encoder", ["dlfa", "aif"])
def test_basic_classifier_with_fusion_runs_forward_and_backward(model_dir, encoder):
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(["0", "1"], namespace="labels")
    layers = [1, -1] if encoder == "dlfa" else [0, 1, 2, 3]
    model = Model.from_params(
        vocab=vocab,
        params=Params(
            {
                "type": "basic_classifier",
                "text_field_embedder": {
                    "token_embedders": {
                        "tokens": {
                            "type": "multilayer_pretrained_transformer",
                            "model_name": model_dir,
                            "layers": layers,
                            "max_length": MAX_LENGTH,
                        }
                    }
                },
                "seq2vec_encoder": {
                    "type": encoder,
                    "input_dim": len(layers) * HIDDEN,
                    "num_layers": len(layers),
                    "norm": "batch_norm",
                },
            }
        ),
    )
    tokenizer = PretrainedTransformerTokenizer(model_dir)
    indexer = PretrainedTransformerIndexer(model_dir, max_length=MAX_LENGTH)
    instances = [
        Instance(
            {
                "tokens": TextField(tokenizer.tokenize(text), {"tokens": indexer}),
                "label": LabelField(label),
            }
        )
        for text, label in zip(TEXTS, ["0", "1"])
    ]
    batch = Batch(instances)
    batch.index_instances(vocab)
    output = model(**batch.as_tensor_dict())
    assert output["probs"].shape == (len(TEXTS), 2)
    output["loss"].backward()
    fusion = model._seq2vec_encoder
    assert len(fusion.fusion_weights()) == len(layers) - 1
    for name, parameter in fusion.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name
    transformer = model._text_field_embedder.token_embedder_tokens.transformer_model
    assert transformer.embeddings.word_embeddings.weight.grad.abs().sum() > 0


def test_the_unused_pooler_is_dropped_and_old_archives_still_load(model_dir):
    embedder = MultilayerPretrainedTransformerEmbedder(model_dir, layers=[1, -1])
    # nothing of the pooler is trained or archived (XLM-R's would be random)
    assert not [name for name in embedder.state_dict() if ".pooler." in name]
    wordpieces = _wordpieces(model_dir)
    expected = _embed(embedder, wordpieces)
    # a state dict written before the pooler was dropped carries its weights: they are ignored
    old_state = dict(embedder.state_dict())
    old_state["transformer_model.pooler.dense.weight"] = torch.zeros(HIDDEN, HIDDEN)
    old_state["transformer_model.pooler.dense.bias"] = torch.zeros(HIDDEN)
    reloaded = MultilayerPretrainedTransformerEmbedder(model_dir, layers=[1, -1])
    reloaded.load_state_dict(old_state, strict=True)
    torch.testing.assert_close(_embed(reloaded, wordpieces), expected)
