"""The `panx` DatasetReader: PAN-X raw / XTREME-processed / CoNLL layouts, BIO, bad input,
sharding."""
import logging

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader
from allennlp.data.dataset_readers.dataset_reader import WorkerInfo

from allennlp_xfuse.data.column_files import bio_span_starts
from allennlp_xfuse.data.dataset_readers import PanxNerDatasetReader
from allennlp_xfuse.data.sample_paths import panx_sample_dir

# The raw PAN-X release: `lang:` prefixes, tab-separated, no blank line at the end.
RAW = (
    "de:Karl\tB-PER\nde:Becker\tI-PER\nde:wohnt\tO\nde:in\tO\nde:Hamburg\tB-LOC\n"
    "\n"
    "de:Die\tO\nde:Deutsche\tB-ORG\nde:Bahn\tI-ORG\nde:http://x.de\tO"
)
# XTREME's processed files (utils_preprocess.py --task panx): the prefix is gone.
PROCESSED = "Karl\tB-PER\nBecker\tI-PER\nwohnt\tO\n\nDie\tO\nBahn\tB-ORG\n"
# CoNLL-2003 style: space-separated columns, word first and tag last, -DOCSTART- lines.
CONLL = (
    "-DOCSTART- -X- -X- O\n\n"
    "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\ncall NN I-NP O\n\n"
    "Peter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n\n"
    "-DOCSTART- -X- -X- O\n\n"
    "BRUSSELS NNP B-NP B-LOC\n"
)


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return str(path)


def read(path, **kwargs):
    return list(PanxNerDatasetReader(**kwargs).read(path))


def words_and_tags(instances):
    return [(i["metadata"]["words"], i["tags"].labels) for i in instances]


def test_raw_release_prefixes_are_stripped_and_give_the_language(tmp_path):
    # the path names no language: the prefix does
    path = write(tmp_path / "extracted" / "dev", RAW)
    instances = read(path)
    assert words_and_tags(instances) == [
        (["Karl", "Becker", "wohnt", "in", "Hamburg"], ["B-PER", "I-PER", "O", "O", "B-LOC"]),
        (["Die", "Deutsche", "Bahn", "http://x.de"], ["O", "B-ORG", "I-ORG", "O"]),
    ]
    metadata = instances[1]["metadata"].metadata
    assert metadata == {"words": ["Die", "Deutsche", "Bahn", "http://x.de"], "language": "de",
                        "id": f"{path}:7"}
    assert [token.text for token in instances[0]["tokens"].tokens][0] == "Karl"
    assert instances[0]["tags"]._label_namespace == "labels"


def test_processed_and_conll_layouts(tmp_path):
    processed = read(write(tmp_path / "panx" / "dev-ja.tsv", PROCESSED))
    assert words_and_tags(processed) == [
        (["Karl", "Becker", "wohnt"], ["B-PER", "I-PER", "O"]), (["Die", "Bahn"], ["O", "B-ORG"]),
    ]
    assert {i["metadata"]["language"] for i in processed} == {"ja"}  # from the file name

    conll = read(write(tmp_path / "eng.testa", CONLL))
    assert words_and_tags(conll) == [
        (["EU", "rejects", "German", "call"], ["B-ORG", "O", "B-MISC", "O"]),
        (["Peter", "Blackburn"], ["B-PER", "I-PER"]),
        (["BRUSSELS"], ["B-LOC"]),
    ]
    assert conll[0]["metadata"]["id"].endswith("eng.testa:3")
    assert conll[0]["metadata"]["language"] is None


@pytest.mark.parametrize("path, language", [
    ("download/panx/test-de.tsv", "de"),    # XTREME-processed
    ("panx_dataset/ja-dev", "ja"),          # XTREME's renamed raw files
    ("panx_dataset/ru.tar.gz!test", None),  # a tarball's member: its `ru:` prefixes tell
])
def test_language_from_the_path(path, language):
    from allennlp_xfuse.data.languages import PANX_LANGUAGES, infer_language

    assert infer_language(path, PANX_LANGUAGES) == language


def test_bom_crlf_and_language_option(tmp_path):
    path = write(tmp_path / "test-de.tsv", "\ufeffParis\tB-LOC\r\n.\tO\r\n", encoding="utf-8")
    (instance,) = read(path, language="fr")
    assert instance["metadata"]["words"] == ["Paris", "."]
    assert instance["metadata"]["language"] == "fr"


def test_several_files_by_comma_list_and_glob():
    sample = panx_sample_dir()
    listed = read(f"{sample / 'de-test'},{sample / 'zh-test'}")
    globbed = read(str(sample / "*-test"))
    assert {i["metadata"]["language"] for i in listed} == {"de", "zh"}
    assert {i["metadata"]["language"] for i in globbed} == {
        "ar", "de", "en", "hi", "ja", "ru", "zh"}
    zh = [i for i in listed if i["metadata"]["language"] == "zh"]
    assert zh[0]["metadata"]["words"][:3] == ["王", "小明", "住"]


def test_iob1_and_broken_bio(tmp_path, caplog):
    # IOB1: I- starts a span, B- separates two adjacent spans of the same type
    path = write(tmp_path / "train-en.tsv",
                 "Peter\tI-PER\nBlackburn\tI-PER\nParis\tI-LOC\nLondon\tB-LOC\nsaid\tO\n")
    expected = ["B-PER", "I-PER", "B-LOC", "B-LOC", "O"]
    with caplog.at_level(logging.WARNING):
        (bio,) = read(path)
    assert bio["tags"].labels == expected
    assert f"{path}:1: tag 'I-PER' starts a span, read as B-PER" in caplog.text
    assert f"{path}:3: tag 'I-LOC'" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        (iob1,) = read(path, tag_scheme="IOB1")
    assert iob1["tags"].labels == expected and not caplog.text
    with pytest.raises(ConfigurationError, match=rf"{path}:1: tag 'I-PER' starts a span.*IOB1"):
        read(path, strict=True)
    with pytest.raises(ConfigurationError, match="Unknown tag_scheme 'BIOES'"):
        PanxNerDatasetReader(tag_scheme="BIOES")


def test_bio_span_starts():
    assert bio_span_starts(["O", "I-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]) == [1, 5]
    assert bio_span_starts(["B-PER", "I-PER", "O"]) == []


BAD = (
    "Karl\tB-PER\nBecker\tI-PER\n\n"        # 1-2: good
    "Die\tO\nBahn\n\n"                       # 4-5: no tag at line 5
    "Paris\tLOCATION\n\n"                    # 7: not BIO
    "Rom\tB-LOC\nist\tO\n"                   # 9-10: good
)


def test_bad_lines_skip_their_sentence_with_file_and_line(tmp_path, caplog):
    path = write(tmp_path / "dev-de.tsv", BAD)
    with caplog.at_level(logging.WARNING):
        instances = read(path)
    assert [i["metadata"]["words"] for i in instances] == [["Karl", "Becker"], ["Rom", "ist"]]
    assert f"{path}:5: skipping the sentence of a bad line: no tag" in caplog.text
    assert f"{path}:7: skipping the sentence of a bad line: tag 'LOCATION' is not a BIO tag" \
        in caplog.text
    assert "skipped 2 sentence(s) with a bad line (lines 5, 7) of 4" in caplog.text


def test_strict_raises_at_the_first_bad_line(tmp_path):
    path = write(tmp_path / "dev-de.tsv", BAD)
    with pytest.raises(ConfigurationError, match=rf"{path}:5: no tag.*strict"):
        read(path, strict=True)


def test_prefix_must_be_on_every_word_of_a_prefixed_file(tmp_path):
    path = write(tmp_path / "de-dev",
                 "de:Karl\tB-PER\nde:wohnt\tO\n\nde:Anna\tB-PER\nBecker\tI-PER\n\nde:Rom\tB-LOC\n")
    assert [i["metadata"]["words"] for i in read(path)] == [["Karl", "wohnt"], ["Rom"]]
    with pytest.raises(ConfigurationError, match=rf"{path}:5: word 'Becker' lacks the `de:`"):
        read(path, strict=True)


def test_one_word_with_a_colon_is_not_a_language_prefix(tmp_path):
    path = write(tmp_path / "train-en.tsv", "re:Invent\tB-MISC\nopened\tO\n")
    (instance,) = read(path)
    assert instance["metadata"]["words"] == ["re:Invent", "opened"]
    assert instance["metadata"]["language"] == "en"


@pytest.mark.parametrize("text, why", [
    ("", "the file holds no tagged word"),
    ("-DOCSTART- O\n\n\n", "the file holds no tagged word"),
    ("Karl\nBecker\n", r"all 1 sentence\(s\) have a bad line, the first at line 1: no tag"),
])
def test_file_without_a_sentence_is_a_configuration_error(tmp_path, text, why):
    path = write(tmp_path / "test-de.tsv", text)
    with pytest.raises(ConfigurationError, match=rf"{path}: no sentence: {why}.*PAN-X"):
        read(path)


def test_conllu_given_to_the_ner_reader_says_so(tmp_path):
    path = write(tmp_path / "de_gsd-ud-test.conllu", "1\tHund\t_\tNOUN\t_\t_\t_\t_\t_\t_\n")
    with pytest.raises(ConfigurationError, match="looks like CoNLL-U: read it with the ud_pos"):
        read(path)


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "test-fr.tsv"
    path.write_bytes("Paris\tB-LOC\n\nEl\u00e8ve\tO\n".encode("latin-1"))
    with pytest.raises(ConfigurationError, match=rf"{path}:3: not UTF-8"):
        read(str(path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigurationError, match="nowhere/en-train"):
        read(str(tmp_path / "nowhere" / "en-train"))


def test_archive_member_through_cached_path(tmp_path):
    import tarfile

    member = tmp_path / "train"
    member.write_text("en:Paris\tB-LOC\n", encoding="utf-8")
    archive = tmp_path / "en.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(member, arcname="train")
    (instance,) = read(f"{archive}!train")
    assert instance["metadata"]["words"] == ["Paris"]
    assert instance["metadata"]["language"] == "en"


def test_sharding_across_workers_covers_every_sentence_once():
    path = str(panx_sample_dir() / "en-train")
    everything = [i["metadata"]["id"] for i in read(path)]
    assert len(everything) == 60
    shards = []
    for worker in range(3):
        reader = PanxNerDatasetReader()
        reader._set_worker_info(WorkerInfo(3, worker))
        shards.append([i["metadata"]["id"] for i in reader.read(path)])
    assert sorted(sum(shards, [])) == sorted(everything)
    assert all(len(shard) == 20 for shard in shards)


def test_from_params_with_the_mismatched_indexer(tiny_model_dir):
    reader = DatasetReader.from_params(Params({
        "type": "panx",
        "token_indexers": {"tokens": {"type": "pretrained_transformer_mismatched",
                                      "model_name": tiny_model_dir}},
    }))
    instance = next(iter(reader.read(str(panx_sample_dir() / "ru-test"))))
    assert instance["tokens"].token_indexers["tokens"].__class__.__name__ == (
        "PretrainedTransformerMismatchedIndexer")
    assert instance["metadata"]["language"] == "ru"
    assert len(instance["tokens"]) == len(instance["tags"])
