"""Reading pairs from files: every layout, quoting, encodings, paths, bad rows (no tokenizer)."""
import logging
import tarfile

import pytest
from allennlp.common import file_utils
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.data_paths import DataFileNotFoundError, expand_data_paths
from allennlp_xfuse.data.languages import infer_language
from allennlp_xfuse.data.pair_files import read_pair_files
from allennlp_xfuse.data.pawsx_tsv import split_tsv_line

HEADER = "id\tsentence1\tsentence2\tlabel\n"


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def pairs(file_path, **kwargs):
    return [(row.id, row.sentence1, row.sentence2, row.label)
            for row in read_pair_files(str(file_path), **kwargs)]


def test_official_layout(tmp_path):
    path = write(tmp_path / "x-final" / "de" / "test_2k.tsv",
                 HEADER + "7\tEin Satz.\tNoch ein Satz.\t1\n8\tA b.\tB a.\t0\n")
    rows = list(read_pair_files(str(path)))
    assert [(r.id, r.sentence1, r.sentence2, r.label) for r in rows] == [
        ("7", "Ein Satz.", "Noch ein Satz.", "1"), ("8", "A b.", "B a.", "0")]
    assert {r.language for r in rows} == {"de"}
    assert [r.line_number for r in rows] == [2, 3]


def test_official_layout_keeps_raw_quotes(tmp_path):
    # The official files are not CSV-quoted: a leading quote is part of the sentence.
    path = write(tmp_path / "train.tsv", HEADER + '1\t"Angel Eyes" is a song.\t"Hi"\t1\n'
                 '2\tHe said "hi" twice.\tA "b" c.\t0\n')
    assert pairs(path) == [("1", '"Angel Eyes" is a song.', '"Hi"', "1"),
                           ("2", 'He said "hi" twice.', 'A "b" c.', "0")]


def test_xtreme_layout_with_csv_quoting(tmp_path):
    path = write(tmp_path / "dev-de.tsv",
                 '"""Angel Eyes"" ist ein Lied."\tDas Lied heißt „Angel Eyes“.\t1\n'
                 'Zweiter Satz.\t"Mit ""Zitat"" und\tTab."\t0\n')
    assert pairs(path) == [("1", '"Angel Eyes" ist ein Lied.', "Das Lied heißt „Angel Eyes“.", "1"),
                           ("2", "Zweiter Satz.", 'Mit "Zitat" und\tTab.', "0")]
    assert {row.language for row in read_pair_files(str(path))} == {"de"}


def test_xtreme_test_file_without_labels(tmp_path):
    path = write(tmp_path / "test-ja.tsv", "文一。\t文二。\n文三。\t文四。\n")
    assert pairs(path) == [("1", "文一。", "文二。", None), ("2", "文三。", "文四。", None)]


def test_huggingface_export_with_index_column_and_quoting(tmp_path):
    # pandas.DataFrame.to_csv(sep="\t") writes an unnamed index column and quotes as needed.
    path = write(tmp_path / "paws-x" / "fr" / "validation.tsv",
                 '\tid\tsentence1\tsentence2\tlabel\n0\t11\t"Il dit ""oui""."\tOui, dit-il.\t1\n')
    assert pairs(path) == [("11", 'Il dit "oui".', "Oui, dit-il.", "1")]
    assert next(read_pair_files(str(path))).language == "fr"


def test_headerless_layout_with_ids(tmp_path):
    path = write(tmp_path / "en" / "train.tsv", "5\tOne.\tTwo.\t0\n6\tThree.\tFour.\t1\n")
    assert pairs(path) == [("5", "One.", "Two.", "0"), ("6", "Three.", "Four.", "1")]


def test_bom_and_crlf(tmp_path):
    path = write(tmp_path / "es" / "dev_2k.tsv",
                 "\ufeff" + HEADER.replace("\n", "\r\n") + "1\tUna frase.\tOtra frase.\t1\r\n\r\n")
    assert pairs(path) == [("1", "Una frase.", "Otra frase.", "1")]


def test_split_tsv_line_decodes_only_real_csv_quoting():
    assert split_tsv_line('"a ""b"" c"\td\t1') == ['a "b" c', "d", "1"]
    assert split_tsv_line('"a" b\tc\t1') == ['"a" b', "c", "1"]
    assert split_tsv_line('"a"\tc\t1') == ['"a"', "c", "1"]


@pytest.mark.parametrize(
    "path, language",
    [
        ("x-final/de/test_2k.tsv", "de"),
        ("https://host/x-final.tar.gz!x-final/zh/dev_2k.tsv", "zh"),
        ("/data/xtreme/pawsx/dev-ko.tsv", "ko"),
        ("adv/aif/ja.deepwordbug.jsonl", "ja"),
        ("allennlp_xfuse/data/sample/pawsx/es/test_2k.tsv", "es"),
        ("test_fr.tsv", "fr"),
        ("/home/user/pawsx/train.tsv", None),
        ("/en/project/fr/file.tsv", "fr"),  # the nearest directory wins
    ],
)
def test_infer_language(path, language):
    assert infer_language(path) == language


def test_language_override_and_paths_that_name_none(tmp_path):
    path = write(tmp_path / "data.tsv", HEADER + "1\tA.\tB.\t1\n")
    assert next(read_pair_files(str(path))).language is None
    assert next(read_pair_files(str(path), language="ko")).language == "ko"


def test_comma_lists_globs_and_lists(tmp_path):
    for language in ("de", "en", "fr"):
        write(tmp_path / language / "test_2k.tsv", HEADER + f"1\t{language} a.\t{language} b.\t1\n")
    de, en, fr = (str(tmp_path / language / "test_2k.tsv") for language in ("de", "en", "fr"))
    assert expand_data_paths(f"{fr}, {de}") == [fr, de]
    assert expand_data_paths(str(tmp_path / "*" / "test_2k.tsv")) == [de, en, fr]
    assert expand_data_paths([fr, f"{en},{de}"]) == [fr, en, de]
    languages = [row.language for row in read_pair_files(str(tmp_path / "*" / "test_2k.tsv"))]
    assert languages == ["de", "en", "fr"]


def test_archive_member_through_cached_path(tmp_path, monkeypatch):
    monkeypatch.setattr(file_utils, "CACHE_DIRECTORY", str(tmp_path / "cache"))
    source = write(tmp_path / "src" / "x-final" / "en" / "train.tsv", HEADER + "1\tA b.\tB a.\t0\n")
    archive = tmp_path / "x-final.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source.parent.parent, arcname="x-final")
    rows = list(read_pair_files(f"{archive}!x-final/en/train.tsv"))
    assert [(r.sentence1, r.sentence2, r.label, r.language) for r in rows] == [
        ("A b.", "B a.", "0", "en")]
    assert rows[0].source == f"{archive}!x-final/en/train.tsv"
    with pytest.raises(DataFileNotFoundError, match="x-final/de/train.tsv"):
        list(read_pair_files(f"{archive}!x-final/de/train.tsv"))


def test_missing_file_is_a_clear_error(tmp_path):
    missing = str(tmp_path / "nowhere" / "train.tsv")
    with pytest.raises(DataFileNotFoundError, match="nowhere/train.tsv") as error:
        list(read_pair_files(missing))
    assert isinstance(error.value, ConfigurationError)
    assert isinstance(error.value, FileNotFoundError)
    assert error.value.__cause__ is None and error.value.__suppress_context__
    with pytest.raises(FileNotFoundError, match="No data file matches"):
        list(read_pair_files(str(tmp_path / "*.tsv")))
    with pytest.raises(FileNotFoundError, match="directory"):
        list(read_pair_files(str(tmp_path)))


def test_a_missing_file_in_a_list_is_named_before_any_file_is_read(tmp_path):
    # An original training file plus a missing augmented copy: the error comes first, not
    # after the (long) original has been read.
    original = tmp_path / "train.tsv"
    original.write_text("id\tsentence1\tsentence2\tlabel\n1\tA b.\tB a.\t0\n", encoding="utf-8")
    missing = str(tmp_path / "robust" / "train.charnoise.jsonl")
    rows = read_pair_files(f"{original},{missing}")
    with pytest.raises(DataFileNotFoundError, match=f"Data file not found: {missing} "):
        next(iter(rows))


BAD_ROWS = (
    HEADER
    + "1\tGood one.\tGood two.\t1\n"
    + "2\tToo few columns.\t1\n"  # line 3
    + "3\t\tEmpty first sentence.\t0\n"  # line 4
    + "4\tBad label.\tBad label!\t2\n"  # line 5
    + "5\tGood three.\tGood four.\t0\n"
)


def test_bad_rows_are_skipped_and_reported_with_file_and_line(tmp_path, caplog):
    path = write(tmp_path / "en" / "dev_2k.tsv", BAD_ROWS)
    with caplog.at_level(logging.WARNING):
        assert [pair[0] for pair in pairs(path)] == ["1", "5"]
    text = caplog.text
    for line, reason in ((3, "3 column(s) instead of 4"), (4, "sentence1 is empty"),
                         (5, "label is '2', not 0 or 1")):
        assert f"{path}:{line}: skipping bad row: {reason}" in text
    assert f"{path}: skipped 3 bad row(s) of 5 (lines 3, 4, 5)" in text


def test_bad_rows_are_not_logged_when_not_verbose(tmp_path, caplog):
    path = write(tmp_path / "dev.tsv", BAD_ROWS)
    with caplog.at_level(logging.WARNING):
        assert len(pairs(path, verbose=False)) == 2
    assert "bad row" not in caplog.text


def test_strict_raises_at_the_first_bad_row(tmp_path):
    path = write(tmp_path / "dev.tsv", BAD_ROWS)
    with pytest.raises(ConfigurationError, match=rf"{path}:3: 3 column\(s\) instead of 4\. "
                                                 r"The file's layout is 4 tab-separated"):
        pairs(path, strict=True)


def test_unrecognized_layout_and_non_utf8(tmp_path):
    path = write(tmp_path / "odd.tsv", "a\tb\tc\td\te\n")
    with pytest.raises(ConfigurationError, match="unrecognized layout"):
        pairs(path)
    latin1 = write(tmp_path / "latin1.tsv", "Ça va.\tÇa va bien.\t1\n", encoding="latin-1")
    with pytest.raises(ConfigurationError, match="not UTF-8"):
        pairs(latin1)


def test_empty_file_is_an_error(tmp_path):
    path = write(tmp_path / "empty.tsv", "\n")
    with pytest.raises(ConfigurationError, match=rf"{path}: no sentence pair: the file is empty"):
        pairs(path)


def test_untranslated_rows_are_data(tmp_path):
    path = write(tmp_path / "dev-de.tsv", "Ein Satz.\tNS\t0\nNS\tNS\t0\nA.\tB.\t1\n")
    rows = list(read_pair_files(str(path)))
    assert [row.untranslated for row in rows] == [True, True, False]


def test_existing_file_names_with_commas_or_brackets_are_taken_literally(tmp_path):
    path = write(tmp_path / "pawsx, de [v2].tsv", HEADER + "1\tA.\tB.\t1\n")
    assert expand_data_paths(str(path)) == [str(path)]
    assert expand_data_paths([str(path)]) == [str(path)]
