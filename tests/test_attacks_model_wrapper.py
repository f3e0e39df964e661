"""The TextAttack model wrapper over an AllenNLP archive: label order, batching, pair input."""
import numpy as np
import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary

from allennlp_xfuse.data.pair_files import read_pair_files
from tests.helpers import cached_classifier_archive


@pytest.fixture(scope="module")
def pairs(sample_dir):
    rows = []
    for language in ("en", "de", "ja"):
        rows.extend(list(read_pair_files(str(sample_dir / language / "test_2k.tsv")))[:8])
    return [(row.sentence1, row.sentence2) for row in rows]


def archive(tiny_model_dir, sample_dir, label_order):
    return cached_classifier_archive(
        tiny_model_dir, str(sample_dir / "en" / "train.tsv"), label_order
    )


@pytest.mark.parametrize("label_order", [("0", "1"), ("1", "0")])
def test_column_j_is_the_probability_of_dataset_label_j(
    tiny_model_dir, sample_dir, pairs, label_order
):
    from allennlp_xfuse.attacks.model_wrapper import AllenNlpModelWrapper

    wrapper = AllenNlpModelWrapper.from_archive(archive(tiny_model_dir, sample_dir, label_order))
    vocab = wrapper.model.vocab
    assert vocab.get_token_from_index(0, "labels") == label_order[0]
    assert wrapper.label_order == [label_order.index("0"), label_order.index("1")]

    probabilities = wrapper(pairs)
    assert probabilities.shape == (len(pairs), 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-12)

    # AllenNLP's own decoding: probs in vocabulary order and the label string of the argmax
    instances = []
    for sentence1, sentence2 in pairs:
        instance = wrapper.dataset_reader.text_to_instance(sentence1, sentence2)
        wrapper.dataset_reader.apply_token_indexers(instance)
        instances.append(instance)
    outputs = wrapper.model.forward_on_instances(instances)
    for row, output in zip(probabilities, outputs):
        for label in ("0", "1"):
            index = vocab.get_token_index(label, "labels")
            assert row[int(label)] == pytest.approx(float(output["probs"][index]), abs=1e-6)
        assert int(np.argmax(row)) == int(output["label"])
    # the model does not predict one class for everything (the attack tests need both)
    assert len(set(np.argmax(probabilities, axis=1))) == 2


def test_batches_are_padded_dynamically_and_agree(tiny_model_dir, sample_dir, pairs):
    from allennlp_xfuse.attacks.model_wrapper import AllenNlpModelWrapper

    path = archive(tiny_model_dir, sample_dir, ("0", "1"))
    one_by_one = AllenNlpModelWrapper.from_archive(path, batch_size=1)(pairs)
    batched = AllenNlpModelWrapper.from_archive(path, batch_size=64)(pairs)
    # padding changes float32 sums in the last digits only
    assert np.allclose(one_by_one, batched, atol=1e-3)

    wrapper = AllenNlpModelWrapper.from_archive(path, batch_size=64)
    lengths = []
    original_forward = wrapper.model.forward

    def recording_forward(**inputs):
        lengths.append(inputs["tokens"]["tokens"]["token_ids"].shape[1])
        return original_forward(**inputs)

    wrapper.model.forward = recording_forward
    wrapper(pairs[:2])
    assert lengths and max(lengths) < 128  # padded to the longest pair, not to max_length
    assert not wrapper.model.training


def test_pair_convention(tiny_model_dir, sample_dir, pairs):
    from textattack.shared import AttackedText

    from allennlp_xfuse.attacks.model_wrapper import AllenNlpModelWrapper

    wrapper = AllenNlpModelWrapper.from_archive(archive(tiny_model_dir, sample_dir, ("0", "1")))
    joined = [AttackedText.SPLIT_TOKEN.join(pair) for pair in pairs[:3]]
    assert np.allclose(wrapper(joined), wrapper(pairs[:3]))
    assert wrapper([]).shape == (0, 2)
    with pytest.raises(ValueError, match="sentence pair"):
        wrapper(["just one sentence"])
    assert wrapper.unk_token == "[UNK]"


def test_labels_must_be_dataset_indices():
    from allennlp_xfuse.attacks.model_wrapper import dataset_label_order

    vocab = Vocabulary(non_padded_namespaces=["*labels"])
    vocab.add_tokens_to_namespace(["1", "0"], namespace="labels")
    assert dataset_label_order(vocab) == [1, 0]
    other = Vocabulary(non_padded_namespaces=["*labels"])
    other.add_tokens_to_namespace(["paraphrase", "different"], namespace="labels")
    with pytest.raises(ConfigurationError, match="dataset labels 0..K-1"):
        dataset_label_order(other)
