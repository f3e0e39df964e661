"""The real PAWS-X dev sets (XTREME layout, 7 languages) in ../shared; skipped when absent."""
from collections import Counter

import pytest
from allennlp.data.tokenizers import PretrainedTransformerTokenizer

from allennlp_xfuse.data.dataset_readers import PawsxDatasetReader
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.data.pair_files import read_pair_files


@pytest.mark.parametrize("language", PAWSX_LANGUAGES)
def test_every_row_of_the_real_dev_set_is_read(shared_pawsx_dir, language):
    path = shared_pawsx_dir / language / f"dev-{language}.tsv"
    rows = list(read_pair_files(str(path), strict=True))
    assert len(rows) == 2000
    assert [row.id for row in rows] == [str(number) for number in range(1, 2001)]
    assert {row.language for row in rows} == {language}
    labels = Counter(row.label for row in rows)
    assert set(labels) == {"0", "1"} and min(labels.values()) > 800
    # CSV quoting is undone: no sentence keeps the doubled quotes of the file.
    assert not any('""' in row.sentence1 or '""' in row.sentence2 for row in rows)
    if language == "de":
        assert any(row.untranslated for row in rows)


def test_quoted_sentences_are_decoded(shared_pawsx_dir):
    rows = list(read_pair_files(str(shared_pawsx_dir / "de" / "dev-de.tsv")))
    quoted = [row.sentence1 for row in rows if row.sentence1.startswith('"')]
    assert quoted, "the German dev set has sentences that begin with a quote"
    assert all(not sentence.startswith('""') for sentence in quoted)


def test_reader_on_every_language(shared_pawsx_dir, tiny_model_dir):
    tokenizer = PretrainedTransformerTokenizer(tiny_model_dir, add_special_tokens=False)
    # Tokenizing all 14,000 pairs takes a while: the first ones of each language suffice here.
    languages = Counter()
    for language in PAWSX_LANGUAGES:
        path = str(shared_pawsx_dir / language / f"dev-{language}.tsv")
        for instance in PawsxDatasetReader(tokenizer, max_length=64, max_instances=20).read(path):
            languages[instance["metadata"]["language"]] += 1
            assert len(instance["tokens"]) <= 64
    assert languages == {language: 20 for language in PAWSX_LANGUAGES}
    reader = PawsxDatasetReader(tokenizer, drop_untranslated=True, max_instances=400)
    metadata = [i["metadata"] for i in reader.read(str(shared_pawsx_dir / "de" / "*.tsv"))]
    assert len(metadata) == 400
    assert "NS" not in {m["sentence1"] for m in metadata} | {m["sentence2"] for m in metadata}
