"""The whole path on an XLM-R-architecture encoder (no token type embeddings, `<s>`/`</s>` pairs,
no pooler in the checkpoint), built locally: tiny model, reader, multilayer embedder, overrides,
training `dlfa` through the real `allennlp` CLI, evaluate, predict, and both kinds of attack."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from allennlp_xfuse.training.tiny_model import build_tiny_model
from tests.helpers import CONFIG_DIR, REPO_ROOT, sample_file
from tests.test_attacks_cli import allennlp, lines

DLFA = str(CONFIG_DIR / "pawsx_dlfa.jsonnet")


@pytest.fixture(scope="module")
def xlmr_dir(tmp_path_factory) -> str:
    return build_tiny_model(tmp_path_factory.mktemp("xlmr"), architecture="xlm-roberta")


@pytest.fixture(scope="module")
def xlmr_archive(xlmr_dir, tmp_path_factory) -> Path:
    """dlfa trained on the XLM-R with the overrides `xfuse-overrides` prints, through the CLI."""
    code, out, err = allennlp(
        "xfuse-overrides", DLFA, xlmr_dir, "--overrides-only",
        "--train-data-path", sample_file("en", "dev_2k"),
        "--validation-data-path", sample_file("en", "dev_2k"),
    )
    assert code == 0, err
    overrides = json.loads(out)
    overrides.update({"trainer.num_epochs": 1, "trainer.cuda_device": -1})
    run_dir = tmp_path_factory.mktemp("xlmr_run") / "dlfa"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "allennlp"), "train", DLFA, "-s", str(run_dir),
         "--overrides", json.dumps(overrides), "--include-package", "allennlp_xfuse"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return run_dir / "model.tar.gz"


def test_tiny_xlm_roberta_is_xlm_rs_shape_and_deterministic(xlmr_dir, tmp_path):
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoTokenizer

    config = AutoConfig.from_pretrained(xlmr_dir)
    assert config.model_type == "xlm-roberta" and config.type_vocab_size == 1
    weights = load_file(str(Path(xlmr_dir) / "model.safetensors"))
    assert not [name for name in weights if "pooler" in name]  # as xlm-roberta-base's
    tokenizer = AutoTokenizer.from_pretrained(xlmr_dir)
    pair = tokenizer("Klaus Weber zog nach Zürich.", "王伟搬到了上海。")
    tokens = tokenizer.convert_ids_to_tokens(pair["input_ids"])
    assert tokens[0] == "<s>" and tokens[-1] == "</s>"
    assert tokens.count("</s>") == 3 and "</s></s>" in "".join(tokens)
    for language in ("en", "de", "ja", "ko", "zh"):
        for line in sample_file(language, "dev_2k").read_text(encoding="utf-8").splitlines()[1:6]:
            assert tokenizer.unk_token_id not in tokenizer(line)["input_ids"]
    again = build_tiny_model(tmp_path / "again", architecture="xlm-roberta")
    for name in ("model.safetensors", "tokenizer.json"):
        assert (Path(again) / name).read_bytes() == (Path(xlmr_dir) / name).read_bytes()


def test_reader_builds_xlm_r_pairs_without_type_ids(xlmr_dir):
    from allennlp.data.token_indexers import PretrainedTransformerIndexer
    from allennlp.data.tokenizers import PretrainedTransformerTokenizer

    from allennlp_xfuse.data.dataset_readers.pawsx import PawsxDatasetReader

    reader = PawsxDatasetReader(
        PretrainedTransformerTokenizer(xlmr_dir, add_special_tokens=False),
        {"tokens": PretrainedTransformerIndexer(xlmr_dir)},
        max_length=24,
    )
    for instance in list(reader.read(str(sample_file("fr", "dev_2k"))))[:5]:
        tokens = instance["tokens"].tokens
        texts = [token.text for token in tokens]
        assert texts[0] == "<s>" and texts[-1] == "</s>" and len(texts) <= 24
        middle = texts.index("</s>")
        assert texts[middle + 1] == "</s>"  # <s> a </s></s> b </s>
        assert {token.type_id for token in tokens} == {0}


def test_multilayer_embedder_on_xlm_r(xlmr_dir):
    from transformers import AutoModel, AutoTokenizer

    from allennlp_xfuse.modules import MultilayerPretrainedTransformerEmbedder

    embedder = MultilayerPretrainedTransformerEmbedder(xlmr_dir, layers=[9, -1]).eval()
    assert not [name for name in embedder.state_dict() if "pooler" in name]
    tokenizer = AutoTokenizer.from_pretrained(xlmr_dir)
    encoding = tokenizer(["Sofía Méndez nació en Málaga.", "a"], padding=True, return_tensors="pt")
    with torch.no_grad():
        output = embedder(encoding["input_ids"], encoding["attention_mask"].bool())
        states = AutoModel.from_pretrained(xlmr_dir).eval()(
            **encoding, output_hidden_states=True
        ).hidden_states
    expected = torch.cat([states[9], states[12]], dim=-1)
    real = encoding["attention_mask"].bool()
    torch.testing.assert_close(output[real], expected[real])


def test_dlfa_trains_evaluates_predicts_and_is_attacked_on_xlm_r(xlmr_archive, tmp_path):
    from allennlp.models.archival import load_archive
    from allennlp.predictors import Predictor

    metrics_file = tmp_path / "zh.json"
    code, _, err = allennlp(
        "evaluate", xlmr_archive, sample_file("zh", "test_2k"), "--output-file", metrics_file,
        "--include-package", "allennlp_xfuse",
    )
    assert code == 0, err
    assert 0.0 <= json.loads(metrics_file.read_text())["accuracy"] <= 1.0

    predictor = Predictor.from_archive(load_archive(str(xlmr_archive)), "pawsx")
    output = predictor.predict_json({"sentence1": "Il est né à Paris.", "sentence2": "Né à Paris."})
    assert abs(sum(output["probs"]) - 1.0) < 1e-5

    split = tmp_path / "ja.jsonl"
    code, _, err = allennlp(
        "xfuse-attack", xlmr_archive, sample_file("ja", "test_2k"), "--recipe", "deepwordbug",
        "--num-examples", "3", "--output", split,
    )
    assert code == 0, err
    records = lines(split)
    assert len(records) == 3 and {record["language"] for record in records} == {"ja"}


def test_mlm_swap_proposes_whole_sentencepiece_words(xlmr_dir):
    from textattack.shared import AttackedText
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    from allennlp_xfuse.attacks.transformations import MultilingualWordSwapMaskedLM

    tokenizer = AutoTokenizer.from_pretrained(xlmr_dir)
    swap = MultilingualWordSwapMaskedLM(
        AutoModelForMaskedLM.from_pretrained(xlmr_dir).eval(), tokenizer, max_candidates=20
    )
    text = AttackedText("The town is located in the north of the county.")
    candidates = swap._candidates(text, [1, 3])
    vocabulary = set(tokenizer.get_vocab())
    proposed = [word for words in candidates for word in words]
    # every candidate is a word-start piece of the vocabulary, never a word's continuation
    assert proposed and all(f"\u2581{word}" in vocabulary for word in proposed)


def test_evaluate_splits_its_input_on_commas(xlmr_archive, tmp_path):
    # AllenNLP 2.10.1's evaluate: "a,b" is two evaluations with one metrics file each (its help
    # text says ":", which the README once repeated)
    outputs = [tmp_path / "de.json", tmp_path / "ko.json"]
    code, _, err = allennlp(
        "evaluate", xlmr_archive,
        f"{sample_file('de', 'test_2k')},{sample_file('ko', 'test_2k')}",
        "--output-file", ",".join(map(str, outputs)), "--include-package", "allennlp_xfuse",
    )
    assert code == 0, err
    assert all("accuracy" in json.loads(path.read_text()) for path in outputs)
