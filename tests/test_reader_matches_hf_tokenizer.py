"""
The pair readers' instances hold the wordpieces of the Hugging Face (fast) tokenizer's own pair
call, `tokenizer(sentence1, sentence2, truncation=True, max_length=...)`, truncated pairs
included: what a plain Hugging Face evaluation, the attacks' batched model queries and the
benchmarks feed the same model.
"""
import pytest
from allennlp.data.tokenizers import PretrainedTransformerTokenizer
from transformers import AutoTokenizer

from allennlp_xfuse.data.dataset_readers import PawsxDatasetReader
from allennlp_xfuse.data.dataset_readers.pawsx import truncate_longest_first
from allennlp_xfuse.data.pair_files import read_pair_files


@pytest.fixture(scope="module")
def tokenizers(tiny_model_dir):
    return (PretrainedTransformerTokenizer(tiny_model_dir, add_special_tokens=False),
            AutoTokenizer.from_pretrained(tiny_model_dir))


def test_truncation_keeps_what_the_fast_tokenizer_keeps_for_every_pair_of_lengths(tokenizers):
    allennlp_tokenizer, hf_tokenizer = tokenizers
    # words that are one wordpiece each, so a sentence's length is its number of words
    assert len(allennlp_tokenizer.tokenize("die")) == len(allennlp_tokenizer.tokenize("der")) == 1
    for max_length in (9, 10, 11, 12):
        budget = max_length - allennlp_tokenizer.num_special_tokens_for_pair()
        for length1 in range(1, 13):
            for length2 in range(1, 13):
                sentence1, sentence2 = " ".join(["die"] * length1), " ".join(["der"] * length2)
                first, second = truncate_longest_first(
                    allennlp_tokenizer.tokenize(sentence1), allennlp_tokenizer.tokenize(sentence2),
                    budget)
                type_ids = hf_tokenizer(sentence1, sentence2, truncation=True,
                                        max_length=max_length)["token_type_ids"]
                # [CLS] first [SEP] are type 0, second [SEP] type 1
                assert (len(first), len(second)) == (type_ids.count(0) - 2,
                                                     type_ids.count(1) - 1), (
                    max_length, length1, length2)


def test_both_sentences_cut_give_an_odd_budget_s_extra_token_to_the_longer_one(tokenizers):
    allennlp_tokenizer, _ = tokenizers
    tokens = allennlp_tokenizer.tokenize(" ".join(["die"] * 10))
    # equal lengths: the second is the longer one, as for the tokenizer
    assert tuple(map(len, truncate_longest_first(tokens, tokens[:], 9))) == (4, 5)
    assert tuple(map(len, truncate_longest_first(tokens, tokens[:8], 9))) == (5, 4)
    assert tuple(map(len, truncate_longest_first(tokens, tokens[:3], 9))) == (6, 3)
    assert truncate_longest_first(tokens[:4], tokens[:5], 9) == (tokens[:4], tokens[:5])


def test_pawsx_reader_instances_equal_the_tokenizer_pair_call_on_the_sample(
        tokenizers, sample_dir):
    allennlp_tokenizer, hf_tokenizer = tokenizers
    # an odd budget (20 - 3 special tokens) and most sample pairs longer than it
    reader = PawsxDatasetReader(allennlp_tokenizer, max_length=20)
    paths = [str(sample_dir / language / "test_2k.tsv") for language in ("de", "ja")]
    instances = list(reader.read(paths))
    rows = list(read_pair_files(",".join(paths)))
    assert len(instances) == len(rows) == 120
    differing = []
    for instance, row in zip(instances, rows):
        tokens = instance["tokens"].tokens
        expected = hf_tokenizer(row.sentence1, row.sentence2, truncation=True, max_length=20)
        if ([t.text_id for t in tokens] != expected["input_ids"]
                or [t.type_id for t in tokens] != expected["token_type_ids"]):
            differing.append(f"{row.source}:{row.line_number}")
    assert differing == []
