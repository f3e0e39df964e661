"""The `pawsx` DatasetReader: instances, truncation, sharding, options, configs (tiny model)."""
import dataclasses
import json
import logging

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Vocabulary
from allennlp.data.dataset_readers.dataset_reader import WorkerInfo
from allennlp.data.tokenizers import PretrainedTransformerTokenizer, WhitespaceTokenizer
from transformers import AutoTokenizer

from allennlp_xfuse.data.dataset_readers import PawsxDatasetReader
from allennlp_xfuse.data.dataset_readers.pawsx import truncate_longest_first

HEADER = "id\tsentence1\tsentence2\tlabel\n"


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return PretrainedTransformerTokenizer(tiny_model_dir, add_special_tokens=False)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_instance_fields(tokenizer, sample_dir):
    reader = PawsxDatasetReader(tokenizer)
    instance = next(iter(reader.read(str(sample_dir / "en" / "test_2k.tsv"))))
    assert set(instance.fields) == {"tokens", "label", "metadata"}
    metadata = instance["metadata"].metadata
    assert set(metadata) == {"id", "language", "sentence1", "sentence2"}
    assert metadata["id"] == "1" and metadata["language"] == "en"
    assert instance["label"].label in ("0", "1")
    assert instance["label"]._label_namespace == "labels"
    tokens = instance["tokens"].tokens
    assert tokens[0].text == "[CLS]" and tokens[-1].text == "[SEP]"
    assert [t.text for t in tokens].count("[SEP]") == 2
    assert instance["tokens"].token_indexers["tokens"].__class__.__name__ == (
        "PretrainedTransformerIndexer")


def test_unlabeled_file_is_an_error_unless_labels_are_optional(tokenizer, tmp_path):
    path = write(tmp_path / "test-zh.tsv", "我们走吧。\t走吧。\n")
    with pytest.raises(ConfigurationError, match=rf"{path}: the file has no labels"):
        list(PawsxDatasetReader(tokenizer).read(path))
    instances = list(PawsxDatasetReader(tokenizer, require_labels=False).read(path))
    assert "label" not in instances[0].fields
    assert instances[0]["metadata"]["language"] == "zh"


def test_pair_encoding_equals_huggingface_longest_first(tokenizer, tiny_model_dir):
    hf_tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    sentence1 = "John Miller moved from London to Boston in 1990 and later to Chicago."
    sentence2 = "In 1990, John Miller left London for Boston."
    for max_length in (8, 13, 20, 64):
        reader = PawsxDatasetReader(tokenizer, max_length=max_length)
        tokens = reader.text_to_instance(sentence1, sentence2)["tokens"].tokens
        expected = hf_tokenizer(sentence1, sentence2, truncation="longest_first",
                                max_length=max_length)
        assert [t.text_id for t in tokens] == expected["input_ids"]
        assert [t.type_id for t in tokens] == expected["token_type_ids"]
        assert len(tokens) <= max_length


def test_truncate_longest_first_ties_trim_the_second():
    first, second = truncate_longest_first(list("abcdef"), list("xyz"), 5)
    assert (first, second) == (list("abc"), list("xy"))
    assert truncate_longest_first(list("ab"), list("xy"), 4) == (list("ab"), list("xy"))


def test_no_truncation_with_max_length_none(tokenizer):
    reader = PawsxDatasetReader(tokenizer, max_length=None)
    long_sentence = " ".join(["London"] * 300)
    assert len(reader.text_to_instance(long_sentence, long_sentence)["tokens"]) == 603


def test_configuration_errors(tokenizer, tiny_model_dir):
    with pytest.raises(ConfigurationError, match="add_special_tokens: false"):
        PawsxDatasetReader(PretrainedTransformerTokenizer(tiny_model_dir))
    with pytest.raises(ConfigurationError, match="pretrained_transformer"):
        PawsxDatasetReader(WhitespaceTokenizer())
    with pytest.raises(ConfigurationError, match="at least 5"):
        PawsxDatasetReader(tokenizer, max_length=4)


def test_sharding_across_two_workers_covers_every_row_once(tokenizer, sample_dir):
    path = str(sample_dir / "*" / "test_2k.tsv")
    everything = [(i["metadata"]["language"], i["metadata"]["id"])
                  for i in PawsxDatasetReader(tokenizer).read(path)]
    shards = []
    for worker_id in range(2):
        reader = PawsxDatasetReader(tokenizer)
        reader._set_worker_info(WorkerInfo(num_workers=2, id=worker_id))
        shards.append([(i["metadata"]["language"], i["metadata"]["id"]) for i in reader.read(path)])
    assert len(everything) == 7 * 60
    assert sorted(shards[0] + shards[1]) == sorted(everything)
    assert not set(shards[0]) & set(shards[1])
    assert abs(len(shards[0]) - len(shards[1])) <= 1


def test_only_the_first_worker_reports_bad_rows(tokenizer, tmp_path, caplog):
    path = write(tmp_path / "dev.tsv", HEADER + "1\tA.\tB.\t1\n2\tbroken\n3\tC.\tD.\t0\n")
    reader = PawsxDatasetReader(tokenizer)
    reader._set_worker_info(WorkerInfo(num_workers=2, id=1))
    with caplog.at_level(logging.WARNING):
        assert len(list(reader.read(path))) == 1
    assert "bad row" not in caplog.text


def test_max_instances_counts_valid_pairs(tokenizer, tmp_path):
    path = write(tmp_path / "dev.tsv", HEADER + "1\tbroken\n2\tA.\tB.\t1\n3\tC.\tD.\t0\n")
    instances = list(PawsxDatasetReader(tokenizer, max_instances=2).read(path))
    assert [i["metadata"]["id"] for i in instances] == ["2", "3"]


def test_strict_and_lenient_bad_rows(tokenizer, tmp_path):
    path = write(tmp_path / "dev.tsv", HEADER + "1\tA.\tB.\t1\n2\tC.\tD.\tyes\n")
    assert len(list(PawsxDatasetReader(tokenizer).read(path))) == 1
    with pytest.raises(ConfigurationError, match=rf"{path}:3: label is 'yes', not 0 or 1"):
        list(PawsxDatasetReader(tokenizer, strict=True).read(path))


def test_untranslated_rows_kept_by_default_dropped_on_request(tokenizer, tmp_path):
    path = write(tmp_path / "x-final" / "ko" / "dev_2k.tsv",
                 HEADER + "1\t문장.\tNS\t0\n2\tNS\tNS\t0\n3\t하나.\t둘.\t1\n")
    kept = list(PawsxDatasetReader(tokenizer).read(path))
    assert [i["metadata"]["sentence2"] for i in kept] == ["NS", "NS", "둘."]
    dropped = list(PawsxDatasetReader(tokenizer, drop_untranslated=True).read(path))
    assert [i["metadata"]["id"] for i in dropped] == ["3"]


def test_language_parameter_overrides_the_path(tokenizer, sample_dir):
    reader = PawsxDatasetReader(tokenizer, language="xx")
    instance = next(iter(reader.read(str(sample_dir / "de" / "test_2k.tsv"))))
    assert instance["metadata"]["language"] == "xx"


def test_missing_file(tokenizer, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.tsv"):
        list(PawsxDatasetReader(tokenizer).read(str(tmp_path / "missing.tsv")))


def test_reads_adversarial_json_lines_by_content(tokenizer, tmp_path):
    record = {"id": "9", "language": "fr", "sentence1": "Il pleut.", "sentence2": "Il plleut.",
              "label": 1, "original_sentence1": "Il pleut.", "original_sentence2": "Il pleut.",
              "recipe": "charnoise", "status": "perturbed"}
    for name in ("split.jsonl", "split.txt"):
        path = write(tmp_path / name, json.dumps(record) + "\n")
        instance = next(iter(PawsxDatasetReader(tokenizer).read(path)))
        assert instance["label"].label == "1"
        metadata = instance["metadata"].metadata
        assert metadata["id"] == "9" and metadata["language"] == "fr"
        assert metadata["original_sentence2"] == "Il pleut." and metadata["status"] == "perturbed"


def test_from_params_as_in_the_shipped_configs(tiny_model_dir, sample_dir):
    reader = DatasetReader.from_params(Params({
        "type": "pawsx",
        "tokenizer": {"type": "pretrained_transformer", "model_name": tiny_model_dir,
                      "add_special_tokens": False},
        "token_indexers": {"tokens": {"type": "pretrained_transformer",
                                      "model_name": tiny_model_dir}},
        "max_length": 32,
        "drop_untranslated": True,
        "max_instances": 5,
    }))
    assert isinstance(reader, PawsxDatasetReader)
    instances = list(reader.read(str(sample_dir / "ja" / "test_2k.tsv")))
    assert len(instances) == 5
    assert all(len(instance["tokens"]) <= 32 for instance in instances)


def _token_fields(instance):
    # what the indexer reads, and the text (character offsets: see below)
    return [(t.text, t.text_id, t.type_id) for t in instance["tokens"].tokens]


def _tensors(reader, instance, vocabulary):
    reader.apply_token_indexers(instance)
    field = instance["tokens"]
    field.index(vocabulary)
    tensors = field.as_tensor(field.get_padding_lengths())["tokens"]
    return {key: value.tolist() for key, value in tensors.items()}


@pytest.mark.parametrize("max_length", [24, 128])
@pytest.mark.parametrize("architecture", ["bert", "xlm-roberta"])
def test_batched_reading_makes_the_instances_of_text_to_instance(
    architecture, max_length, tmp_path
):
    # The reader tokenizes a batch of pairs in one fast-tokenizer call (pairs within
    # max_length: nearly all at 128) or a sentence column at a time (longer pairs, truncated its
    # own way: many at 24): the instances must be those of the one-pair path, AllenNLP's
    # add_special_tokens included, on every language.
    from allennlp_xfuse.data.pair_files import read_pair_files
    from allennlp_xfuse.data.sample_paths import sample_dir
    from allennlp_xfuse.training.tiny_model import build_tiny_model

    model_dir = build_tiny_model(tmp_path / architecture, architecture=architecture)
    tokenizer = PretrainedTransformerTokenizer(model_dir, add_special_tokens=False)
    reader = PawsxDatasetReader(tokenizer, max_length=max_length)
    paths = ",".join(str(path) for path in sorted(sample_dir().glob("*/dev_2k.tsv")))
    batched = list(reader.read(paths))
    rows = list(read_pair_files(paths))
    assert len(batched) == len(rows) > 200
    for instance, row in zip(batched, rows):
        expected = tokenizer.add_special_tokens(
            *truncate_longest_first(
                tokenizer.tokenize(row.sentence1), tokenizer.tokenize(row.sentence2),
                max_length - tokenizer.num_special_tokens_for_pair(),
            )
        )
        # The batched path's tokens are shared between instances and carry no character
        # offsets (`tokenize_batch_shared`); every other field is the one-pair path's.
        one_pair = reader.text_to_instance(row.sentence1, row.sentence2)
        assert _token_fields(instance) == _token_fields(one_pair) == [
            (t.text, t.text_id, t.type_id) for t in expected
        ]
        assert all(t.idx is None and t.idx_end is None for t in instance["tokens"].tokens)
        assert [dataclasses.replace(t, idx=None, idx_end=None)
                for t in instance["tokens"].tokens] == [
            dataclasses.replace(t, idx=None, idx_end=None) for t in expected
        ]
    pairs = [(row.sentence1, row.sentence2) for row in rows[:5]]
    assert [_token_fields(i) for i in reader.pairs_to_instances(pairs)] == [
        _token_fields(i) for i in batched[:5]
    ]
    # the tensors the model gets are the one-pair path's
    vocabulary = Vocabulary()
    for instance, row in list(zip(batched, rows))[:40]:
        assert _tensors(reader, instance, vocabulary) == _tensors(
            reader, reader.text_to_instance(row.sentence1, row.sentence2), vocabulary)


def test_batched_instances_share_one_token_per_wordpiece_and_type(tiny_model_dir):
    tokenizer = PretrainedTransformerTokenizer(tiny_model_dir, add_special_tokens=False)
    reader = PawsxDatasetReader(tokenizer, max_length=128)
    (first,) = reader.pairs_to_instances([("the cat sat", "a cat ran")])
    before = _token_fields(first)
    (second,) = reader.pairs_to_instances([("a cat ran", "the cat sat")])
    cat = tokenizer.tokenize("cat")[0].text_id
    cats = [[t for t in instance["tokens"].tokens if t.text_id == cat]
            for instance in (first, second)]
    # one object per (wordpiece, type id): the "cat" of both first sentences is one object,
    # the "cat" of both second sentences another
    assert cats[0][0] is cats[1][0] and cats[0][0].type_id == 0
    assert cats[0][1] is cats[1][1] and cats[0][1].type_id == 1
    # building the second instance changed no token of the first
    assert _token_fields(first) == before


@pytest.mark.parametrize("architecture", ["bert", "xlm-roberta"])
def test_tokenize_batch_is_tokenize_even_with_truncation_left_set(architecture, tmp_path):
    # The Rust tokenizer is called directly unless a caller left truncation or padding set on
    # it; then the wrapper's call (which resets them) is used: the tokens are the same.
    from allennlp_xfuse.data.batch_tokenization import tokenize_batch
    from allennlp_xfuse.data.sample_paths import sample_dir
    from allennlp_xfuse.training.tiny_model import build_tiny_model

    model_dir = build_tiny_model(tmp_path / architecture, architecture=architecture)
    tokenizer = PretrainedTransformerTokenizer(model_dir, add_special_tokens=False)
    rows = (sample_dir() / "ko" / "dev_2k.tsv").read_text(encoding="utf-8").splitlines()[1:20]
    texts = [row.split("\t")[1] for row in rows] + ["", "   "]
    expected = [tokenizer.tokenize(text) for text in texts]
    assert tokenize_batch(tokenizer, texts) == expected
    tokenizer.tokenizer.backend_tokenizer.enable_truncation(max_length=4)
    assert tokenize_batch(tokenizer, texts) == expected


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_leaves_the_garbage_collector_as_it_found_it(enabled, tmp_path):
    # The reader pauses the collector while it builds a batch (batch_tokenization): a user's
    # process must get it back as it was, also when the reader stops with an error.
    import gc

    from allennlp_xfuse.data.sample_paths import sample_dir
    from allennlp_xfuse.training.tiny_model import build_tiny_model

    tokenizer = PretrainedTransformerTokenizer(
        build_tiny_model(tmp_path / "bert"), add_special_tokens=False
    )
    reader = PawsxDatasetReader(tokenizer, max_length=64)
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tsentence1\tsentence2\tlabel\n", encoding="utf-8")
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        assert len(list(reader.read(str(sample_dir() / "de" / "dev_2k.tsv")))) > 10
        assert gc.isenabled() is enabled
        with pytest.raises(ConfigurationError):
            list(reader.read(str(bad)))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
