"""
The `batched_padding` collator makes exactly the batches AllenNLP's default collator makes, for
every reader of the project, and fails where it fails.
"""
import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DataLoader, Instance, Vocabulary
from allennlp.data.data_loaders.data_collator import DataCollator, allennlp_collate
from allennlp.data.fields import LabelField, TextField
from allennlp.data.token_indexers import (
    PretrainedTransformerIndexer,
    PretrainedTransformerMismatchedIndexer,
)
from allennlp.data.tokenizers import PretrainedTransformerTokenizer

from allennlp_xfuse.data.batched_padding_collator import BatchedPaddingCollator
from allennlp_xfuse.data.dataset_readers import (
    PawsxDatasetReader,
    UdPosDatasetReader,
    XnliDatasetReader,
)
from allennlp_xfuse.data.sample_paths import udpos_sample_dir, xnli_sample_dir
from allennlp_xfuse.training.tiny_model import build_tiny_model


def assert_same_batch(actual, expected, where="batch"):
    assert type(actual) is type(expected), where
    if isinstance(expected, dict):
        assert list(actual) == list(expected), where
        for key in expected:
            assert_same_batch(actual[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, torch.Tensor):
        assert actual.dtype == expected.dtype, where
        assert actual.shape == expected.shape, where
        assert torch.equal(actual, expected), where
    else:
        assert actual == expected, where


def batches(reader, paths, vocabulary, collate_fn):
    params = {"batch_size": 7, "shuffle": False, "quiet": True}
    if collate_fn is not None:
        params["collate_fn"] = collate_fn
    loader = DataLoader.from_params(Params(params), reader=reader, data_path=paths)
    loader.index_with(vocabulary)
    return list(loader)


def assert_same_as_default(reader, paths):
    instances = [instance for path in paths for instance in reader.read(path)]
    vocabulary = Vocabulary.from_instances(instances)
    expected = batches(reader, paths, vocabulary, None)
    actual = batches(reader, paths, vocabulary, {"type": "batched_padding"})
    assert len(actual) == len(expected) > 1
    for number, (got, want) in enumerate(zip(actual, expected)):
        assert_same_batch(got, want, f"batch {number}")


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return PretrainedTransformerTokenizer(tiny_model_dir, add_special_tokens=False)


@pytest.fixture(scope="module")
def xlmr_dir(tmp_path_factory):
    return build_tiny_model(str(tmp_path_factory.mktemp("xlmr")), architecture="xlm-roberta")


@pytest.mark.parametrize("architecture", ["bert", "xlm-roberta"])
def test_pawsx_batches_equal_the_default_collators_in_every_language(
    architecture, request, sample_dir
):
    # XLM-R pads its ids with 1, not BERT's 0
    model_dir = request.getfixturevalue("xlmr_dir" if architecture == "xlm-roberta"
                                        else "tiny_model_dir")
    tokenizer = PretrainedTransformerTokenizer(model_dir, add_special_tokens=False)
    indexers = {"tokens": PretrainedTransformerIndexer(model_dir, namespace="tags")}
    reader = PawsxDatasetReader(tokenizer, indexers, max_length=40)
    paths = [str(path) for path in sorted(sample_dir.glob("*/test_2k.tsv"))]
    assert len(paths) == 7
    assert_same_as_default(reader, paths)


def test_folded_long_sequences_and_unlabeled_pairs(tokenizer, sample_dir, tiny_model_dir,
                                                   tmp_path):
    # An indexer max_length folds each pair into segments and adds `segment_concat_mask`.
    indexers = {"tokens": PretrainedTransformerIndexer(tiny_model_dir, max_length=8)}
    reader = PawsxDatasetReader(tokenizer, indexers, max_length=None, require_labels=False)
    unlabeled = tmp_path / "test-de.tsv"
    unlabeled.write_text("Er geht nach Hause.\tEr ist zu Hause.\n" * 9, encoding="utf-8")
    assert_same_as_default(reader, [str(sample_dir / "de" / "test_2k.tsv")])
    assert_same_as_default(reader, [str(unlabeled)])


def test_xnli_batches_equal_the_default_collators(tokenizer, tiny_model_dir):
    indexers = {"tokens": PretrainedTransformerIndexer(tiny_model_dir, namespace="tags")}
    paths = [str(path) for path in sorted(xnli_sample_dir().glob("test-*.tsv"))]
    assert_same_as_default(XnliDatasetReader(tokenizer, indexers), paths)


def test_tagging_fields_take_the_fields_own_batching(tiny_model_dir):
    # the mismatched indexer (offsets of words in wordpieces) is batched the default way
    reader = UdPosDatasetReader(
        token_indexers={"tokens": PretrainedTransformerMismatchedIndexer(tiny_model_dir)}
    )
    paths = [str(path) for path in sorted(udpos_sample_dir().glob("*/*.conllu"))]
    assert_same_as_default(reader, paths)


def test_registered_and_failing_like_the_default_on_mixed_instances(tiny_model_dir):
    collator = DataCollator.from_params(Params({"type": "batched_padding"}))
    assert isinstance(collator, BatchedPaddingCollator)
    indexers = {"tokens": PretrainedTransformerIndexer(tiny_model_dir)}
    tokenizer = PretrainedTransformerTokenizer(tiny_model_dir)
    labeled = Instance({"tokens": TextField(tokenizer.tokenize("a pair"), indexers),
                        "label": LabelField("1")})
    unlabeled = Instance({"tokens": TextField(tokenizer.tokenize("another"), indexers)})
    vocabulary = Vocabulary.from_instances([labeled])
    for instance in (labeled, unlabeled):
        instance.index_fields(vocabulary)
    with pytest.raises(ConfigurationError, match="present in some Instances but not others"):
        allennlp_collate([labeled, unlabeled])
    with pytest.raises(ConfigurationError, match="present in some Instances but not others"):
        collator([labeled, unlabeled])
