"""
`allennlp xfuse-perturb --task ner|pos` (issue #11): character noise inside the words of NER /
POS files, every word and tag kept in place, the copy in the input's own layout, read back by the
task's reader and by the stock `allennlp evaluate`. Through AllenNLP's real command-line entry
point, in this process.
"""
import json
import shutil
from pathlib import Path
from typing import List

import pytest
from allennlp.data import DatasetReader

from allennlp_xfuse.data.sample_paths import panx_sample_dir, udpos_sample_dir
from allennlp_xfuse.data.tagged_sentences import TaggedSentence
from tests.helpers import build_tagger_archive
from tests.helpers import run_allennlp as allennlp

PANX_DE = panx_sample_dir() / "de-test"
UD_DE = udpos_sample_dir() / "UD_German-Sample" / "de_sample-ud-test.conllu"


def perturb(*args) -> str:
    code, out, err = allennlp("xfuse-perturb", *args)
    assert code == 0, err[-3000:]
    return out


def refused(*args) -> str:
    """The one-line error of an `xfuse-perturb` run that must fail, checked to be one."""
    code, _, err = allennlp("xfuse-perturb", *args)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and lines, err
    assert lines[-1].startswith("allennlp xfuse-perturb: error: "), lines[-1]
    assert "Traceback" not in err
    return lines[-1]


def read(reader_type: str, path: Path) -> List[TaggedSentence]:
    """What the task's reader, as an archive configures it (no `language`), reads from `path`."""
    return list(DatasetReader.by_name(reader_type)().read_sentences(str(path)))


def changed_words(original: List[TaggedSentence], perturbed: List[TaggedSentence]):
    return [
        (old, new, tag)
        for before, after in zip(original, perturbed)
        for old, new, tag in zip(before.words, after.words, before.tags)
        if old != new
    ]


def check_aligned(original: List[TaggedSentence], perturbed: List[TaggedSentence]) -> None:
    """Same sentences, word counts, tags and language; no word empty or with whitespace."""
    assert len(perturbed) == len(original)
    for before, after in zip(original, perturbed):
        assert len(after.words) == len(before.words)
        assert after.tags == before.tags
        assert after.language == before.language is not None
        for word in after.words:
            assert word and not any(char.isspace() for char in word), word


def test_ner_copy_keeps_prefixes_tags_and_language_and_changes_words(tmp_path):
    output = tmp_path / "de-test.charnoise"
    perturb(PANX_DE, "--task", "ner", "--rate", "0.5", "--output", output)
    original, perturbed = read("panx", PANX_DE), read("panx", output)
    check_aligned(original, perturbed)
    changed = changed_words(original, perturbed)
    words = sum(len(sentence.words) for sentence in original)
    # rate 0.5: about half of the words, each one edit away from the original
    assert 0.3 * words <= len(changed) <= 0.6 * words
    assert all(abs(len(old) - len(new)) <= 1 for old, new, _ in changed)
    # the raw layout: every line still `de:<word><TAB><tag>`, blank lines where they were
    before = PANX_DE.read_text(encoding="utf-8").splitlines()
    after = output.read_text(encoding="utf-8").splitlines()
    assert len(after) == len(before)
    for old, new in zip(before, after):
        assert (old == "") == (new == "")
        if old:
            assert new.startswith("de:") and new.split("\t")[1:] == old.split("\t")[1:]
    summary = json.loads(Path(f"{output}.summary.json").read_text(encoding="utf-8"))
    assert (summary["task"], summary["recipe"], summary["rate"]) == ("ner", "charnoise", 0.5)
    assert summary["all"]["sentences"] == len(original)
    assert summary["all"]["words"] == words
    assert summary["all"]["words_changed"] == len(changed)
    assert summary["languages"]["de"]["perturbed_word_ratio"] == round(len(changed) / words, 6)


def test_pos_conllu_copy_changes_only_forms_and_keeps_multiword_tokens(tmp_path):
    # the language comes from the path for CoNLL-U: the output name keeps it
    output = tmp_path / "adv" / "de_sample-ud-test.charnoise.conllu"
    perturb(UD_DE, "--task", "pos", "--rate", "0.5", "--output", output)
    original, perturbed = read("ud_pos", UD_DE), read("ud_pos", output)
    check_aligned(original, perturbed)
    assert perturbed[0].language == "de"
    assert changed_words(original, perturbed)
    assert [s.extra for s in perturbed] == [s.extra for s in original]  # sent_ids
    before = UD_DE.read_text(encoding="utf-8").splitlines()
    after = output.read_text(encoding="utf-8").splitlines()
    kept_text = [line for line in after if line.startswith("# text")]
    # `# text` goes where a word changed (it would spell the old words), nothing else does
    assert set(kept_text) < {line for line in before if line.startswith("# text")}
    assert len(after) == len(before) - (
        sum(line.startswith("# text") for line in before) - len(kept_text)
    )
    words_before = [line.split("\t") for line in before if "\t" in line]
    words_after = [line.split("\t") for line in after if "\t" in line]
    # every column but FORM as it was, multiword-token ranges (4-5 im) and empty nodes included
    assert [f[:1] + f[2:] for f in words_after] == [f[:1] + f[2:] for f in words_before]
    assert ["4-5", "im"] in [f[:2] for f in words_after]


def test_protect_entities_leaves_every_entity_word_unchanged(tmp_path):
    output = tmp_path / "de-test"
    perturb(PANX_DE, "--task", "ner", "--rate", "1.0", "--protect-entities", "--output", output)
    original, perturbed = read("panx", PANX_DE), read("panx", output)
    check_aligned(original, perturbed)
    changed = changed_words(original, perturbed)
    assert changed and all(tag == "O" for _, _, tag in changed)
    entity_words = [
        (before.words[i], after.words[i])
        for before, after in zip(original, perturbed)
        for i, tag in enumerate(before.tags) if tag != "O"
    ]
    assert entity_words and all(old == new for old, new in entity_words)


def test_same_seed_and_file_give_the_same_copy_from_any_directory(tmp_path):
    elsewhere = tmp_path / "elsewhere" / UD_DE.name
    elsewhere.parent.mkdir()
    shutil.copy(UD_DE, elsewhere)
    outputs = {}
    for name, source, seed in [("a", UD_DE, 13), ("b", elsewhere, 13), ("c", UD_DE, 14)]:
        outputs[name] = tmp_path / name / "de_pos.conllu"
        perturb(source, "--task", "pos", "--rate", "0.3", "--seed", seed,
                "--output", outputs[name])
    text = {name: path.read_bytes() for name, path in outputs.items()}
    assert text["a"] == text["b"]
    assert text["c"] != text["a"]


def test_several_files_go_to_a_directory_with_their_names(tmp_path):
    pattern = str(udpos_sample_dir() / "*" / "*-test.conllu")
    inputs = sorted(udpos_sample_dir().glob("*/*-test.conllu"))
    assert len(inputs) > 1
    perturb(pattern, "--task", "pos", "--rate", "0.2", "--output", tmp_path / "adv")
    for source in inputs:
        check_aligned(read("ud_pos", source), read("ud_pos", tmp_path / "adv" / source.name))
    summary = json.loads((tmp_path / "adv.summary.json").read_text(encoding="utf-8"))
    assert [f["output"] for f in summary["files"]] == [
        str(tmp_path / "adv" / source.name) for source in inputs
    ]
    assert summary["all"]["sentences"] == sum(len(read("ud_pos", s)) for s in inputs)


def test_a_bad_line_is_the_readers_file_line_error_and_nothing_is_written(tmp_path):
    bad = tmp_path / "de-test"
    lines = PANX_DE.read_text(encoding="utf-8").splitlines()
    lines[8] = "de:Bahn"  # no tag
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "out" / "de-test"
    # the line the reader names: the 9th (the second sentence's 2nd word)
    message = refused(bad, "--task", "ner", "--output", output)
    assert f"{bad}:9: no tag" in message
    assert not output.parent.exists()


def test_an_output_that_would_lose_the_language_is_refused(tmp_path):
    output = tmp_path / "perturbed.conllu"
    message = refused(UD_DE, "--task", "pos", "--output", output)
    assert "not de" in message and str(tmp_path / "de_perturbed.conllu") in message
    assert not output.exists()


def test_an_existing_output_is_never_overwritten(tmp_path):
    output = tmp_path / "de-test"
    output.write_text("someone else's file\n", encoding="utf-8")
    message = refused(PANX_DE, "--task", "ner", "--output", output)
    assert "already exists" in message
    assert output.read_text(encoding="utf-8") == "someone else's file\n"


@pytest.mark.parametrize("task", ["ner", "pos"])
def test_model_in_the_loop_recipes_are_refused_for_tagged_files(tmp_path, task):
    source = PANX_DE if task == "ner" else UD_DE
    message = refused(source, "--task", task, "--recipe", "deepwordbug",
                      "--output", tmp_path / "de-out")
    assert "charnoise only" in message and "PAWS-X and XNLI" in message


@pytest.mark.parametrize("option, message", [
    (["--resume"], "--resume does not apply"),
    (["--changed-only"], "--changed-only does not apply"),
    (["--protect-entities"], "applies to --task ner"),
])
def test_pair_split_options_are_refused_not_ignored(tmp_path, option, message):
    output = tmp_path / "de_pos.conllu"
    assert message in refused(UD_DE, "--task", "pos", *option, "--output", output)
    assert not output.exists()


# -- the stock `allennlp evaluate` of a NER archive on a perturbed file ------------------------


@pytest.fixture(scope="module")
def ner_archive(tiny_model_dir, tmp_path_factory) -> str:
    """
    `ner_dlfa.jsonnet` on the tiny model, random weights (no training: evaluation only has to
    read the perturbed file with the archived reader), archived with AllenNLP's `archive_model`.
    """
    tags = sorted({tag for sentence in read("panx", panx_sample_dir() / "en-train")
                   for tag in sentence.tags})
    return build_tagger_archive(tmp_path_factory.mktemp("ner_archive"), tiny_model_dir,
                                "ner_dlfa", tags)


def test_stock_allennlp_evaluate_reads_the_perturbed_ner_file(ner_archive, tmp_path):
    perturbed = tmp_path / "de-test.charnoise"
    perturb(PANX_DE, "--task", "ner", "--rate", "0.5", "--output", perturbed)
    metrics_file = tmp_path / "metrics.json"
    code, _, err = allennlp("evaluate", ner_archive, perturbed, "--output-file", metrics_file,
                            "--include-package", "allennlp_xfuse")
    assert code == 0, err[-3000:]
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    for name in ("accuracy", "precision-overall", "recall-overall", "f1-measure-overall"):
        assert 0.0 <= metrics[name] <= 1.0, (name, metrics)


def test_archive_members_are_named_after_their_archive():
    from allennlp_xfuse.attacks.tagged_perturbation import output_name

    # XTREME's download script names PAN-X's `de.tar.gz` member `test` `de-test`
    assert output_name("panx_dataset/de.tar.gz!test") == "de-test"
    assert output_name("ud.tgz!ud/UD_German-GSD/de_gsd-ud-test.conllu") == \
        "ud-de_gsd-ud-test.conllu"
    assert output_name("/data/UD_German-GSD/de_gsd-ud-test.conllu") == "de_gsd-ud-test.conllu"
