"""
Hostile data files (issue #12, the data-input half): every one ends in one line that says what,
where (file:line) and how to fix it, never in a traceback of ours, a silently wrong result
(accuracy 0.0, training on nothing) or a pair made of half a record; good input still reads.

The readers are tested in-process; the stock `allennlp evaluate` and `train` once each through
the real executable (in parallel, to keep the suite short), whose last stderr line must be the
reader's message.
"""
import json
import logging
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any, Dict

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.data.tokenizers import PretrainedTransformerTokenizer

from allennlp_xfuse.data.dataset_readers import AdversarialPawsxDatasetReader, PawsxDatasetReader
from allennlp_xfuse.data.pair_files import read_pair_files
from tests.helpers import CONFIG_DIR, REPO_ROOT, cached_classifier_archive, tiny_training_overrides

HEADER = "id\tsentence1\tsentence2\tlabel\n"
ALLENNLP = str(Path(sys.executable).parent / "allennlp")


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return PretrainedTransformerTokenizer(tiny_model_dir, add_special_tokens=False)


def write(path: Path, text: str, encoding: str = "utf-8") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return str(path)


def read(reader, path: str):
    return list(reader.read(path))


def record(pair_id, label=1, **fields) -> str:
    return json.dumps({"id": pair_id, "sentence1": f"Satz {pair_id}.", "sentence2": "Ein Satz.",
                       "label": label, **fields}, ensure_ascii=False)


# -- files that give no pair: an error naming the file and why --------------------------------


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("empty.tsv", "\n \n", "no sentence pair: the file is empty"),
        ("header.tsv", HEADER, "no sentence pair: line 1 is a header and no row follows it"),
        ("labels.tsv", HEADER + "1\tA.\tB.\tyes\n2\tC.\tD.\t2\n",
         r"no sentence pair: all 2 row\(s\) are bad, the first at line 2: label is 'yes', not 0 "
         r"or 1\. Labels must be 0 or 1\."),
        ("columns.tsv", "A.\tB.\t1\tx\textra\n",
         r"unrecognized layout \(5 tab-separated columns\)"),
        ("pairs.csv", "sentence1,sentence2,label\nA.,B.,1\n",
         r"unrecognized layout \(1 tab-separated columns \(no tab: is it comma-separated"),
        ("pairs.jsonl", HEADER + "1\tA.\tB.\t1\n",
         r"pairs.jsonl:1: the name says JSON lines, but none of its first 2 non-blank line\(s\) "
         r"is a JSON object \(line 1 is tab-separated text"),
        ("xnli.jsonl", json.dumps({"premise": "A.", "hypothesis": "B.", "label": 1}) + "\n",
         r"the first at line 1: no sentence1 or sentence2 key \(keys: premise, hypothesis, "
         r"label\)"),
        ("unlabeled.jsonl", record(1, label=None) + "\n" + record(2, label=None) + "\n",
         r"all 2 row\(s\) are bad, the first at line 1: the record has no label\. Give every "
         r"record a \"label\" of 0 or 1"),
        ("test-fr.tsv", "Le chat dort.\tLe chat est endormi.\n",
         r"test-fr.tsv: the file has no labels \(its layout is 2 tab-separated columns "
         r"\(sentence1 sentence2; no header\)\), and training and evaluation need a label"),
    ],
)
def test_a_file_without_usable_pairs_is_one_clear_error(tokenizer, tmp_path, name, text,
                                                        message):
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigurationError, match=message) as error:
        read(PawsxDatasetReader(tokenizer), path)
    assert str(error.value).startswith(path) and "\n" not in str(error.value)


def test_one_empty_file_among_several_is_named(tokenizer, tmp_path):
    good = write(tmp_path / "de" / "dev_2k.tsv", HEADER + "1\tA.\tB.\t1\n")
    empty = write(tmp_path / "fr" / "dev_2k.tsv", "")
    with pytest.raises(ConfigurationError, match=rf"^{empty}: no sentence pair"):
        read(PawsxDatasetReader(tokenizer), f"{good},{empty}")


def test_a_file_the_filters_empty_is_an_error(tokenizer, tmp_path):
    path = write(tmp_path / "dev-ko.tsv", "문장.\tNS\t0\nNS\tNS\t1\n")
    assert len(read(PawsxDatasetReader(tokenizer), path)) == 2
    with pytest.raises(ConfigurationError,
                       match=rf"{path}: no sentence pair left: the reader's drop_untranslated "
                             rf"\(pairs with an NS sentence\) dropped all 2 valid pair\(s\)"):
        read(PawsxDatasetReader(tokenizer, drop_untranslated=True), path)


def test_a_compressed_file_is_named_as_such(tmp_path):
    path = tmp_path / "x-final.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(write(tmp_path / "train.tsv", HEADER + "1\tA.\tB.\t1\n"), arcname="train.tsv")
    with pytest.raises(ConfigurationError, match=rf"{path}: a gzip-compressed file, not a text "
                                                 rf"file of sentence pairs\. Extract it, or name "
                                                 rf"the file inside it as `{path}!<path"):
        list(read_pair_files(str(path)))


def test_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path / "dev-fr.tsv", "A.\tB.\t1\nÇa va.\tÇa va bien.\t1\n", "latin-1")
    with pytest.raises(ConfigurationError,
                       match=rf"{path}:2: not UTF-8 text \(invalid continuation byte: "
                             r"b'\\xc7'\)\. Re-encode the file as UTF-8"):
        list(read_pair_files(path))


# -- the format of a file, and each record's label, on evidence that cannot be confused ------


def test_xtreme_file_whose_first_sentence_starts_with_a_brace_is_tsv(tokenizer, tmp_path):
    path = write(tmp_path / "dev-de.tsv",
                 "{Klammer} am Anfang.\tKlammer am Anfang.\t1\nZwei.\tDrei.\t0\n")
    instances = read(PawsxDatasetReader(tokenizer), path)
    assert [i["metadata"]["sentence1"] for i in instances] == ["{Klammer} am Anfang.", "Zwei."]
    assert [i["label"].label for i in instances] == ["1", "0"]


def test_each_json_record_has_its_own_label(tokenizer, tmp_path, caplog):
    path = write(tmp_path / "de.split.jsonl",
                 "\n".join([record(1, label=None), record(2, label=1), record(3, label=0)]) + "\n")
    with caplog.at_level(logging.WARNING):
        instances = read(PawsxDatasetReader(tokenizer), path)
    assert [(i["metadata"]["id"], i["label"].label) for i in instances] == [("2", "1"),
                                                                          ("3", "0")]
    assert f"{path}:1: skipping bad row: the record has no label" in caplog.text
    optional = read(PawsxDatasetReader(tokenizer, require_labels=False), path)
    assert ["label" in i.fields for i in optional] == [False, True, True]


def test_a_json_split_whose_first_line_is_broken_is_still_json(tokenizer, tmp_path, caplog):
    path = write(tmp_path / "de.jsonl", '{"id": 1, "sentence1": "A\n' + record(2) + "\n")
    with caplog.at_level(logging.WARNING):
        instances = read(AdversarialPawsxDatasetReader(tokenizer=tokenizer), path)
    assert [i["metadata"]["id"] for i in instances] == ["2"]
    assert f"{path}:1: skipping bad row: not valid JSON" in caplog.text


def test_json_sentences_must_be_strings(tokenizer, tmp_path):
    path = write(tmp_path / "de.jsonl", record(1, sentence1=5) + "\n")
    with pytest.raises(ConfigurationError, match=rf"{path}:1: sentence1 is a JSON number "
                                                 r"\(5\), not a string\. Sentences must be JSON "
                                                 r"strings"):
        read(PawsxDatasetReader(tokenizer, strict=True), path)


# -- CSV-quoted fields that span a line break ---------------------------------------------------


def test_a_quoted_field_spanning_a_line_break_is_one_record(tokenizer, tmp_path):
    path = write(tmp_path / "dev-de.tsv",
                 '"""Angel Eyes"" ist\nein Lied."\tDas Lied heißt „Angel Eyes“.\t1\n'
                 'Zwei.\t"Drei\nund\nvier."\t0\n'
                 "Fünf.\tSechs.\t1\n")
    rows = list(read_pair_files(path))
    assert [(r.id, r.sentence1, r.sentence2, r.label, r.line_number) for r in rows] == [
        ("1", '"Angel Eyes" ist\nein Lied.', "Das Lied heißt „Angel Eyes“.", "1", 1),
        ("2", "Zwei.", "Drei\nund\nvier.", "0", 3),
        ("3", "Fünf.", "Sechs.", "1", 6),
    ]
    assert len(read(PawsxDatasetReader(tokenizer, strict=True), path)) == 3


def test_a_quoted_field_broken_in_the_last_column_of_an_unlabeled_file(tmp_path):
    path = write(tmp_path / "test-de.tsv", 'Eins.\t"Zwei\nDrei."\nVier.\tFünf.\n')
    assert [(r.sentence2, r.line_number) for r in read_pair_files(path)] == [
        ("Zwei\nDrei.", 1), ("Fünf.", 3)]


def test_raw_quotes_of_complete_rows_are_not_joined(tmp_path):
    # Official files are raw: a sentence may open a quote that a later row's sentence closes.
    path = write(tmp_path / "x-final" / "en" / "dev_2k.tsv",
                 HEADER + '1\t"Open quote.\tB.\t1\n2\tClose quote"\tD.\t0\n3\t"Never closed\n')
    assert [(r.id, r.sentence1) for r in read_pair_files(path)] == [
        ("1", '"Open quote.'), ("2", 'Close quote"')]


def test_an_unclosed_quote_does_not_swallow_the_file(tmp_path):
    lines = ['"Never closed.\tB.\t1'] + [f"S{n}.\tT{n}.\t0" for n in range(1, 12)]
    path = write(tmp_path / "dev-en.tsv", "\n".join(lines) + "\n")
    rows = list(read_pair_files(path, strict=True))
    assert [r.line_number for r in rows] == list(range(1, 13))
    assert rows[0].sentence1 == '"Never closed.' and rows[1].sentence1 == "S1."


def test_the_real_dev_sets_still_read_whole(shared_pawsx_dir):
    for path in sorted(shared_pawsx_dir.glob("*/dev-*.tsv")):
        assert len(list(read_pair_files(str(path), strict=True, require_labels=True))) == 2000


# -- the stock commands, through the real executable --------------------------------------------


@pytest.fixture(scope="module")
def cli_runs(tiny_model_dir, sample_dir, tmp_path_factory) -> Dict[str, Any]:
    """
    `allennlp evaluate` and `train` on an unlabeled file, run in parallel: their
    `CompletedProcess` by command name, the file (`"unlabeled"`) and the metrics file that
    must not be written (`"metrics"`).
    """
    tmp = tmp_path_factory.mktemp("bad_input_cli")
    archive = cached_classifier_archive(tiny_model_dir, str(sample_dir / "en" / "train.tsv"))
    unlabeled = write(tmp / "test-fr.tsv", "Le chat dort.\tLe chat est endormi.\n" * 3)
    overrides = tiny_training_overrides("pawsx_baseline", tiny_model_dir, num_epochs=1)
    overrides["train_data_path"] = unlabeled
    # A data-loader worker's error reaches the main process wrapped in AllenNLP's WorkerError.
    workers = {"validation_data_loader": {"batch_size": 4, "num_workers": 1}}
    commands = {
        "evaluate": ["evaluate", archive, unlabeled, "--output-file", str(tmp / "m.json")],
        "evaluate_in_a_worker": ["evaluate", archive, unlabeled, "--output-file",
                                 str(tmp / "m.json"), "--overrides", json.dumps(workers)],
        "train": ["train", str(CONFIG_DIR / "pawsx_baseline.jsonnet"), "-s", str(tmp / "run"),
                  "--overrides", json.dumps(overrides)],
    }
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    processes = {
        name: subprocess.Popen([ALLENNLP, *argv, "--include-package", "allennlp_xfuse"],
                               cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        for name, argv in commands.items()
    }
    runs: Dict[str, Any] = {"unlabeled": unlabeled, "metrics": str(tmp / "m.json")}
    for name, process in processes.items():
        out, err = process.communicate(timeout=600)
        runs[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return runs


@pytest.mark.parametrize("command", ["evaluate", "train"])
def test_cli_on_an_unlabeled_file_ends_with_the_readers_message(cli_runs, command):
    result = cli_runs[command]
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"allennlp.common.checks.ConfigurationError: {cli_runs['unlabeled']}:"
                           f" the file has no labels"), result.stderr[-3000:]
    assert "need a label 0 or 1 on every pair" in last
    assert not os.path.exists(cli_runs["metrics"])


def test_a_readers_error_in_a_data_loader_worker_still_ends_with_its_message(cli_runs):
    result = cli_runs["evaluate_in_a_worker"]
    assert result.returncode != 0
    assert "WorkerError" in result.stderr  # AllenNLP's traceback is still printed whole
    last = result.stderr.strip().splitlines()[-1]
    expected = f"{cli_runs['unlabeled']}: the file has no labels"
    assert last.startswith(expected), result.stderr[-3000:]
    assert not os.path.exists(cli_runs["metrics"])
