"""The `ud_pos` DatasetReader: CoNLL-U (multiword tokens, empty nodes, comments), XTREME's
processed files, bad input both ways, language inference, sharding."""
import logging

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.data.dataset_readers.dataset_reader import WorkerInfo

from allennlp_xfuse.data.dataset_readers import UdPosDatasetReader
from allennlp_xfuse.data.sample_paths import udpos_sample_dir


def conllu_line(word_id, form, upos, misc="_"):
    return f"{word_id}\t{form}\t_\t{upos}\t_\t_\t_\t_\t_\t{misc}\n"


# French "du" = "de le", an empty node for an elided verb, comments, no final blank line.
FRENCH = (
    "# newdoc id = doc1\n"
    "# sent_id = fr-1\n"
    "# text = Elle revient du marché et lui de la gare.\n"
    + conllu_line(1, "Elle", "PRON")
    + conllu_line(2, "revient", "VERB")
    + conllu_line("3-4", "du", "_")
    + conllu_line(3, "de", "ADP")
    + conllu_line(4, "le", "DET")
    + conllu_line(5, "marché", "NOUN")
    + conllu_line(6, "et", "CCONJ")
    + conllu_line(7, "lui", "PRON")
    + conllu_line("7.1", "revient", "VERB")
    + conllu_line(8, "de", "ADP")
    + conllu_line(9, "la", "DET")
    + conllu_line(10, "gare", "NOUN", misc="SpaceAfter=No")
    + conllu_line(11, ".", "PUNCT")
    + "\n"
    + "# sent_id = fr-2\n"
    + conllu_line(1, "Bonjour", "INTJ")
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def read(path, **kwargs):
    return list(UdPosDatasetReader(**kwargs).read(path))


def test_multiword_tokens_give_their_words_and_empty_nodes_are_skipped(tmp_path):
    path = write(tmp_path / "UD_French-GSD" / "fr_gsd-ud-test.conllu", FRENCH)
    first, second = read(path)
    assert first["metadata"]["words"] == [
        "Elle", "revient", "de", "le", "marché", "et", "lui", "de", "la", "gare", "."]
    assert first["tags"].labels == [
        "PRON", "VERB", "ADP", "DET", "NOUN", "CCONJ", "PRON", "ADP", "DET", "NOUN", "PUNCT"]
    assert first["tags"]._label_namespace == "labels"
    assert first["metadata"].metadata["sent_id"] == "fr-1"
    assert first["metadata"]["id"] == f"{path}:1"
    assert first["metadata"]["language"] == "fr"  # the treebank file's prefix
    assert second["metadata"]["words"] == ["Bonjour"]
    assert second["metadata"]["id"] == f"{path}:18"  # its comment line


def test_bundled_sample_in_every_language():
    instances = read(str(udpos_sample_dir() / "*" / "*.conllu"))
    by_language = {}
    for instance in instances:
        by_language.setdefault(instance["metadata"]["language"], []).append(instance)
    assert sorted(by_language) == ["de", "en", "fr", "hi", "ru", "zh"]
    german = [i["metadata"]["words"] for i in by_language["de"]]
    assert ["Wir", "gehen", "zu", "dem", "Bahnhof", "."] in german  # "zum"
    assert ["Ich", "trinke", "Tee", "und", "er", "Kaffee", "."] in german  # empty node 5.1
    assert all(len(i["tokens"]) == len(i["tags"]) for i in instances)


def test_xtreme_processed_layout(tmp_path):
    path = write(tmp_path / "udpos" / "dev-ko.tsv", "나는\tPRON\n간다\tVERB\n\n좋다\tADJ\n")
    instances = read(path)
    assert [(i["metadata"]["words"], i["tags"].labels) for i in instances] == [
        (["나는", "간다"], ["PRON", "VERB"]), (["좋다"], ["ADJ"])]
    assert instances[0]["metadata"]["language"] == "ko"


BAD = (
    conllu_line(1, "Der", "DET") + conllu_line(2, "Hund", "NOUN") + "\n"      # 1-2 good
    + conllu_line(1, "Die", "DET") + conllu_line(2, "Katze", "_") + "\n"      # 5: UPOS _
    + "1 Das DET\n\n"                                                         # 7: spaces
    + conllu_line(1, "Ein", "DET") + conllu_line(3, "Baum", "NOUN") + "\n"    # 10: ID skips 2
    + conllu_line("x", "Ja", "INTJ") + "\n"                                   # 12: bad ID
    + conllu_line(1, "Gut", "ADJ") + "\n"                                     # 14 good
)


def test_bad_lines_skip_their_sentence_with_file_and_line(tmp_path, caplog):
    path = write(tmp_path / "de_gsd-ud-dev.conllu", BAD)
    with caplog.at_level(logging.WARNING):
        instances = read(path)
    assert [i["metadata"]["words"] for i in instances] == [["Der", "Hund"], ["Gut"]]
    assert f"{path}:5: skipping the sentence of a bad line: UPOS is '_'" in caplog.text
    assert f"{path}:7: skipping the sentence of a bad line: 1 tab-separated field(s)" \
        in caplog.text
    assert f"{path}:10: skipping the sentence of a bad line: word ID 3 follows word 1" \
        in caplog.text
    assert f"{path}:12: skipping the sentence of a bad line: ID 'x' is not a word index" \
        in caplog.text
    assert "skipped 4 sentence(s) with a bad line (lines 5, 7, 10, 12) of 6" in caplog.text


def test_strict_raises_at_the_first_bad_line(tmp_path):
    path = write(tmp_path / "de_gsd-ud-dev.conllu", BAD)
    with pytest.raises(ConfigurationError, match=rf"{path}:5: UPOS is '_'.*Tag it"):
        read(path, strict=True)


def test_withheld_text_is_skipped_and_a_file_of_it_explained(tmp_path, caplog):
    withheld = conllu_line(1, "_", "PRON") + conllu_line(2, "_", "VERB") + "\n"
    path = write(tmp_path / "en_esl-ud-train.conllu", withheld + conllu_line(1, "Hi", "INTJ"))
    with caplog.at_level(logging.WARNING):
        (instance,) = read(path)
    assert instance["metadata"]["words"] == ["Hi"]
    assert "skipped 1 sentence(s): its text is withheld" in caplog.text
    only_withheld = write(tmp_path / "ja_bccwj-ud-test.conllu", withheld)
    with pytest.raises(ConfigurationError, match=rf"{only_withheld}: no sentence: every "
                                                 r"sentence was skipped: 1 because its text"):
        read(only_withheld)


@pytest.mark.parametrize("text", ["", "# sent_id = 1\n# text = nothing\n\n"])
def test_file_without_a_sentence_is_a_configuration_error(tmp_path, text):
    path = write(tmp_path / "hi_hdtb-ud-test.conllu", text)
    with pytest.raises(ConfigurationError,
                       match=rf"{path}: no sentence: the file holds no tagged word.*\.conllu"):
        read(path)


@pytest.mark.parametrize("path, language", [
    ("ud-treebanks-v2.5/UD_German-GSD/de_gsd-ud-test.conllu", "de"),
    ("UD_Chinese-GSDSimp/zh_gsdsimp-ud-test.conllu", "zh"),
    ("udpos/test-tr.tsv", "tr"),
    ("ud.tgz!ud-treebanks-v2.5/UD_Hindi-HDTB/hi_hdtb-ud-dev.conllu", "hi"),
])
def test_language_from_the_path(tmp_path, path, language):
    from allennlp_xfuse.data.languages import UDPOS_LANGUAGES, infer_language

    assert infer_language(path, UDPOS_LANGUAGES) == language


def test_language_option_wins(tmp_path):
    path = write(tmp_path / "de_gsd-ud-test.conllu", conllu_line(1, "Hund", "NOUN"))
    (instance,) = read(path, language="nl")
    assert instance["metadata"]["language"] == "nl"


def test_sharding_across_workers_covers_every_sentence_once():
    path = str(udpos_sample_dir() / "UD_English-Sample" / "en_sample-ud-train.conllu")
    everything = [i["metadata"]["id"] for i in read(path)]
    assert len(everything) == 50
    shards = []
    for worker in range(2):
        reader = UdPosDatasetReader()
        reader._set_worker_info(WorkerInfo(2, worker))
        shards.append([i["metadata"]["id"] for i in reader.read(path)])
    assert sorted(sum(shards, [])) == sorted(everything)
    assert len(set(shards[0]) & set(shards[1])) == 0


def test_text_to_instance_takes_tokens_from_the_sentence_tagger_predictor():
    from allennlp.data.tokenizers import Token

    instance = UdPosDatasetReader().text_to_instance([Token("Hallo"), Token("Welt")])
    assert instance["metadata"]["words"] == ["Hallo", "Welt"] and "tags" not in instance.fields
    with pytest.raises(ConfigurationError, match="2 words but 1 tags"):
        UdPosDatasetReader().text_to_instance(["Hallo", "Welt"], ["INTJ"])
