"""
The XNLI, NER and POS surfaces against hostile input (issue #12's standard applied to issue
#11's work): the `xnli`, `panx` and `ud_pos` readers, `xfuse-perturb --task xnli|ner|pos`,
`xfuse-report --task-data` and the `pawsx` predictor on a tagger's archive. Every case ends in
one `ConfigurationError` line that names the file (and line) and says how to fix it, never in a
silently wrong result (a CoNLL-U line read as the word `1` tagged `_`, an empty file reported as
"no labels") or a file the command did not write being replaced.

Readers in-process; commands through AllenNLP's real entry point, in this process
(`run_allennlp`); the archives have random weights (nothing here needs a trained model).
"""
import json
from pathlib import Path

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

from allennlp_xfuse.data.sample_paths import panx_sample_dir, udpos_sample_dir, xnli_sample_dir
from allennlp_xfuse.report.task_splits import find_task_splits
from tests.helpers import build_tagger_archive, one_line_error, run_allennlp

PANX_DE = panx_sample_dir() / "de-test"
UD_DE = udpos_sample_dir() / "UD_German-Sample" / "de_sample-ud-test.conllu"
XNLI_DE = xnli_sample_dir() / "test-de.tsv"
# A CoNLL-U word line that lost its last field (9 tab-separated fields instead of 10).
NINE_FIELDS = "1\tParis\tParis\tPROPN\t_\t_\t0\troot\t_\n"


def write(path: Path, data) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


# -- the readers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xnli_reader(tiny_model_dir):
    tokenizer = {"type": "pretrained_transformer", "model_name": tiny_model_dir,
                 "add_special_tokens": False}
    return DatasetReader.from_params(Params({"type": "xnli", "tokenizer": tokenizer}))


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("empty.tsv", "\n \n", "no sentence pair: the file is empty"),
        ("header.tsv", "premise\thypo\tlabel\n",
         "no sentence pair: line 1 is a header and no row follows it"),
        ("dev-de.tsv", "A.\tB.\tyes\nC.\tD.\t7\n",
         r"all 2 row\(s\) are bad, the first at line 1: label is 'yes', not an NLI label"),
        # PAWS-X labels (0/1) are not silently read as XNLI class indices
        ("dev_2k.tsv", "A.\tB.\t0\nC.\tD.\t1\n", "label is '0', not an NLI label"),
        ("pairs.jsonl", "A.\tB.\tentailment\n",
         r"pairs.jsonl:1: the name says JSON lines, .* Rename the file to \.tsv if it is "
         r"tab-separated \(PAWS-X, XNLI\)"),
        ("test-de.tsv", "A.\tB.\nC.\tD.\n", "the file has no labels"),
        ("dev-fr.tsv", "Ça va.\tB.\tentailment\n".encode("latin-1"), r"dev-fr.tsv:1: not UTF-8"),
        ("dashes.tsv", "premise\thypo\tlabel\nA.\tB.\t-\n", "have the gold label '-'"),
    ],
)
def test_xnli_files_without_usable_pairs_are_one_clear_error(xnli_reader, tmp_path, name, text,
                                                             message):
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigurationError, match=message) as error:
        list(xnli_reader.read(path))
    assert str(error.value).startswith(path) and "\n" not in str(error.value)


def test_xnli_json_records_each_have_their_own_label(xnli_reader, tmp_path):
    path = write(tmp_path / "mnli.jsonl",
                 '{"sentence1": "A.", "sentence2": "B."}\n'
                 '{"sentence1": "C.", "sentence2": "D.", "gold_label": "neutral"}\n')
    assert [i["label"].label for i in xnli_reader.read(path)] == ["neutral"]


def test_xnli_first_record_spanning_a_line_break_is_one_pair(xnli_reader, tmp_path):
    # the first record's quoted premise spans two lines: the layout is still 3 columns
    path = write(tmp_path / "dev-en.tsv", '"The cat\nsleeps."\tA cat.\tentailment\n')
    [instance] = list(xnli_reader.read(path))
    assert instance["metadata"]["sentence1"] == "The cat\nsleeps."
    assert instance["label"].label == "entailment"


@pytest.mark.parametrize(
    "reader, name, text, message",
    [
        ("panx", "de-test", "", "no sentence: the file holds no tagged word"),
        ("panx", "de-test", "en:Paris\nen:is\n", "no tag: 'en:Paris' is one column"),
        ("panx", "de-test", "1\tParis\tParis\tPROPN\t_\t_\t0\troot\t_\t_\n",
         r"tag '_' is not a BIO tag .* \(this looks like CoNLL-U: read it with the ud_pos"),
        ("panx", "de-test", "Ça\tO\n".encode("latin-1"), r"de-test:1: not UTF-8 text"),
        # a CoNLL-U line that lost or gained a field is a bad line, not the word "1" tagged "_"
        ("ud_pos", "de-ud-test.conllu", NINE_FIELDS,
         r"9 tab-separated field\(s\), a CoNLL-U word line has 10"),
        ("ud_pos", "de-ud-test.txt", NINE_FIELDS,
         r"9 tab-separated field\(s\), a CoNLL-U word line has 10"),
        ("ud_pos", "de-ud-test.conllu", NINE_FIELDS.replace("\n", "\textra\t_\n"),
         r"11 tab-separated field\(s\)"),
        ("ud_pos", "de-ud-test.conllu", NINE_FIELDS.replace("\t", " "),
         r"1 tab-separated field\(s\), a CoNLL-U word line has 10\. Separate the fields with tabs"),
        ("ud_pos", "de-ud-test.conllu", "Paris\tPROPN\n",
         r"2 tab-separated field\(s\).* or, for a `word<TAB>UPOS` file, drop the \.conllu"),
        ("ud_pos", "test-de.tsv", "Paris\t_\nis\tAUX\n", r"tag is '_' \(an empty field\)"),
        ("ud_pos", "test-de.tsv", "Paris\nis\n", "no tag: 'Paris' is one column"),
        ("ud_pos", "de-ud-test.conllu", "# sent_id = 1\n", "no sentence: the file holds no "),
    ],
)
def test_tagged_files_without_usable_sentences_are_one_clear_error(tmp_path, reader, name, text,
                                                                   message):
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigurationError, match=message) as error:
        list(DatasetReader.by_name(reader)().read(path))
    assert str(error.value).startswith(path) and "\n" not in str(error.value)


def test_well_formed_pos_files_still_read(tmp_path):
    # `word<TAB>UPOS` (the word may be a number) and a 10-field CoNLL-U line under any name
    columns = write(tmp_path / "test-de.tsv", "1\tNUM\nKatzen\tNOUN\n")
    conllu = write(tmp_path / "de.txt", NINE_FIELDS.replace("\n", "\t_\n"))
    reader = DatasetReader.by_name("ud_pos")()
    assert [(s.words, s.tags) for s in reader.read_sentences(columns)] == [
        (["1", "Katzen"], ["NUM", "NOUN"])]
    assert [(s.words, s.tags) for s in reader.read_sentences(conllu)] == [(["Paris"], ["PROPN"])]


# -- xfuse-perturb ------------------------------------------------------------------------------


def test_perturb_pos_on_a_broken_conllu_line_writes_nothing(tmp_path):
    source = write(tmp_path / "de_x-ud-test.conllu", NINE_FIELDS)
    output = tmp_path / "out" / "de_x-ud-test.charnoise.conllu"
    code, _, err = run_allennlp("xfuse-perturb", source, "--task", "pos", "--output", output)
    assert code == 2
    assert one_line_error(err, "xfuse-perturb").endswith(
        f"{source}:1: 9 tab-separated field(s), a CoNLL-U word line has 10. Separate the "
        "fields with tabs (spaces are allowed inside FORM only) (xfuse-perturb copies a tagged "
        "file line for line, so every sentence must read: fix the line, or drop its sentence "
        "from the input).")
    assert not output.parent.exists()


@pytest.mark.parametrize(
    "task, source, name",
    [("ner", PANX_DE, "de-test.charnoise"), ("pos", UD_DE, "de_sample-ud-test.charnoise.conllu"),
     ("xnli", XNLI_DE, "de.charnoise.jsonl")],
)
def test_perturb_never_replaces_a_summary_it_did_not_write(tmp_path, task, source, name):
    output = tmp_path / name
    summary = Path(f"{output}.summary.json")
    for foreign in ("my notes\n", '{"accuracy": 0.9}\n'):
        summary.write_text(foreign, encoding="utf-8")
        code, _, err = run_allennlp("xfuse-perturb", source, "--task", task, "--output", output)
        assert code == 2
        assert f"{summary} exists and is not a summary written for {output}" in one_line_error(
            err, "xfuse-perturb")
        assert summary.read_text(encoding="utf-8") == foreign
        assert sorted(p.name for p in tmp_path.iterdir()) == [summary.name]
    # a summary of this command's own earlier run to this output (the output deleted since) is
    # replaced as usual
    summary.unlink()
    assert run_allennlp("xfuse-perturb", source, "--task", task, "--output", output)[0] == 0
    output.unlink()
    code, _, err = run_allennlp("xfuse-perturb", source, "--task", task, "--output", output)
    assert code == 0, err[-2000:]
    assert json.loads(summary.read_text(encoding="utf-8"))["output"].endswith(name)


@pytest.mark.parametrize(
    "make_output, extra, message",
    [
        (lambda tmp: write(tmp / "notes.jsonl", "my notes\n"), ["--resume"],
         "is not an adversarial split written by xfuse-attack or xfuse-perturb"),
        (lambda tmp: write(tmp / "de.tsv", "A.\tB.\tentailment\n"), [],
         "already exists: pass --resume to continue it"),
        (lambda tmp: str(tmp), [], "is a directory: name a file"),
    ],
)
def test_perturb_xnli_leaves_an_existing_output_untouched(tmp_path, make_output, extra, message):
    output = make_output(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    code, _, err = run_allennlp("xfuse-perturb", XNLI_DE, "--task", "xnli", "--output", output,
                                *extra)
    assert code == 2 and message in one_line_error(err, "xfuse-perturb")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# -- xfuse-report --task-data -------------------------------------------------------------------


def test_report_task_data_names_a_broken_file_instead_of_a_wrong_reason(tmp_path):
    work = str(tmp_path / "work")
    xnli = tmp_path / "xnli"
    write(xnli / "test-fr.tsv", "Le chat dort.\tUn chat.\tentailment\n")
    write(xnli / "test-de.tsv", "Die Katze schläft.\tEine Katze.\n")  # XTREME's: no labels
    splits, skipped = find_task_splits("xnli", str(xnli), work)
    assert list(splits) == ["fr"]
    assert [(Path(path).name, why.split(" (")[0]) for path, why in skipped] == [
        ("test-de.tsv", "no labels")]
    # an empty file is the reader's error naming it, not "no labels"
    empty = write(xnli / "test-de.tsv", "")
    with pytest.raises(ConfigurationError, match=rf"^{empty}: no sentence pair: the file is "
                                                 r"empty\."):
        find_task_splits("xnli", str(xnli), work)
    # NER: an empty or undecodable test file is not left out as "no tag column": the
    # evaluation reads it and its reader says what is wrong
    ner = tmp_path / "ner"
    write(ner / "de-test", "")
    write(ner / "fr-test", "Ça\tO\n".encode("latin-1"))
    write(ner / "ru-test", "Москва\n")
    splits, skipped = find_task_splits("ner", str(ner), work)
    assert sorted(splits) == ["de", "fr"]
    assert [(Path(path).name, why) for path, why in skipped] == [("ru-test", "no tag column")]


# -- tagger archives under the pair commands ------------------------------------------------


@pytest.fixture(scope="module")
def pos_archive(tiny_model_dir, tmp_path_factory) -> str:
    tags = "ADJ ADP ADV AUX DET NOUN NUM PRON PROPN PUNCT VERB X".split()
    return build_tagger_archive(tmp_path_factory.mktemp("pos") / "run", tiny_model_dir,
                                "pos_dlfa", tags)


def test_pawsx_predictor_refuses_a_tagger_archive(pos_archive):
    with pytest.raises(ConfigurationError,
                       match=r"^the pawsx predictor classifies sentence pairs, but this "
                             r"archive's dataset reader is 'ud_pos', which does not read pairs"
                             r".* Use --predictor word_tagger \(input \{\"words\": \[\.\.\.\]\} "
                             r"or \{\"sentence\": \"\.\.\.\"\}\)"):
        Predictor.from_archive(load_archive(pos_archive), "pawsx")
    # the predictor it names takes the archive
    Predictor.from_archive(load_archive(pos_archive), "word_tagger")


def test_evaluate_pos_on_a_broken_conllu_line_is_the_readers_error(pos_archive, tmp_path):
    # before: the line was read as the word "1" tagged "_", a KeyError from the vocabulary
    source = write(tmp_path / "de_x-ud-test.conllu", NINE_FIELDS)
    metrics = tmp_path / "metrics.json"
    with pytest.raises(ConfigurationError, match=rf"^{source}: no sentence: all 1 sentence\(s\) "
                                                 r"have a bad line, the first at line 1: 9 tab"):
        run_allennlp("evaluate", pos_archive, source, "--output-file", metrics,
                     "--include-package", "allennlp_xfuse")
    assert not metrics.exists()
