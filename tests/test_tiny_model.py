"""The tiny local BERT: deterministic, loadable by Hugging Face and AllenNLP, and its command."""
import json
import sys

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.data.token_indexers import PretrainedTransformerIndexer
from allennlp.data.tokenizers import PretrainedTransformerTokenizer
from allennlp.modules.token_embedders import PretrainedTransformerEmbedder
from transformers import AutoModel, AutoTokenizer

from allennlp_xfuse.data.sample_paths import sample_dir
from allennlp_xfuse.training.tiny_model import build_tiny_model, build_wordpiece_vocab
from tests.helpers import CONFIG_DIR

SENTENCES = [
    "John Miller moved from London to Boston in 1990.",
    "Klaus Weber zog 1925 von München nach Zürich.",
    "Sofía Méndez nació en Málaga.",
    "田中健一は東京から大阪へ引っ越した。",
    "김민수는 서울에서 부산으로 이사했다.",
    "王伟于1990年从北京搬到了上海。",
]


def model_files(directory):
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_same_seed_same_files_other_seed_other_weights(tmp_path):
    first, second, third = (tmp_path / name for name in ("a", "b", "c"))
    build_tiny_model(first, seed=3)
    build_tiny_model(second, seed=3)
    build_tiny_model(third, seed=4)
    assert model_files(first) == model_files(second)
    assert (first / "vocab.txt").read_bytes() == (third / "vocab.txt").read_bytes()
    assert (first / "model.safetensors").read_bytes() != (third / "model.safetensors").read_bytes()


def test_building_leaves_the_callers_random_state_alone(tmp_path):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    build_tiny_model(tmp_path)
    assert torch.equal(torch.rand(3), expected)


def test_loads_with_auto_classes(tiny_model_dir):
    model = AutoModel.from_pretrained(tiny_model_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    assert model.config.num_hidden_layers == 12 and model.config.hidden_size == 32
    assert tokenizer.is_fast
    encoded = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    output = model(**encoded, output_hidden_states=True)
    assert len(output.hidden_states) == 13
    assert output.last_hidden_state.shape[-1] == 32


def test_cased_vocabulary_covers_every_language_without_unknowns(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    for sentence in SENTENCES:
        tokens = tokenizer.tokenize(sentence)
        assert "[UNK]" not in tokens, (sentence, tokens)
    assert tokenizer.tokenize("London") == ["London"]
    assert tokenizer.tokenize("london") != ["London"]  # cased
    assert tokenizer.tokenize("東京から") == ["東", "京", "から"]  # CJK characters stand alone
    assert "Málaga" in tokenizer.get_vocab()  # accents kept


def test_the_other_tasks_samples_are_not_unknown_tokens(tiny_model_dir):
    # The vocabulary is built from every bundled sample: XNLI's, PAN-X's and UD's test
    # languages (Cyrillic, Arabic, Devanagari, Thai, Swahili...) tokenize without [UNK].
    from allennlp_xfuse.data.sample_paths import panx_sample_dir, xnli_sample_dir
    from allennlp_xfuse.data.xnli_files import read_xnli_files

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    for language in ("ru", "ar", "hi", "th", "sw"):
        rows = list(read_xnli_files(str(xnli_sample_dir() / f"test-{language}.tsv"), verbose=False))
        tokens = [token for row in rows for token in tokenizer.tokenize(row.sentence1)]
        assert tokens and "[UNK]" not in tokens, (language, tokens[:20])
    words = [line.split("\t")[0].split(":", 1)[1]
             for line in (panx_sample_dir() / "ar-test").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    assert "[UNK]" not in tokenizer.tokenize(" ".join(words))


def test_loads_with_allennlp_pretrained_transformer_classes(tiny_model_dir):
    tokenizer = PretrainedTransformerTokenizer(tiny_model_dir)
    indexer = PretrainedTransformerIndexer(tiny_model_dir)
    embedder = PretrainedTransformerEmbedder(tiny_model_dir)
    vocab = Vocabulary()
    tokens = tokenizer.tokenize(SENTENCES[0])
    assert tokens[0].text == "[CLS]" and tokens[-1].text == "[SEP]"
    indexed = indexer.tokens_to_indices(tokens, vocab)
    tensors = {key: torch.tensor([value]) for key, value in indexed.items()}
    embedded = embedder(tensors["token_ids"], tensors["mask"].bool(),
                        type_ids=tensors["type_ids"])
    assert embedded.shape == (1, len(tokens), 32)
    assert embedder.get_output_dim() == 32


def test_vocabulary_is_bounded_and_ordered():
    sentences = ["a b a b a c", "abc abc"]
    vocab = build_wordpiece_vocab(sentences, vocab_size=100)
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert vocab[5:8] == ["a", "b", "c"]
    assert vocab[-1] == "abc"
    with pytest.raises(ConfigurationError, match="too small"):
        build_wordpiece_vocab(sentences, vocab_size=6)


def test_bad_head_count(tmp_path):
    with pytest.raises(ConfigurationError, match="multiple of num_heads"):
        build_tiny_model(tmp_path, hidden_size=30, num_heads=4)


def test_other_sizes_and_corpus(tmp_path):
    corpus = [str(sample_dir() / "en" / "train.tsv")]
    build_tiny_model(tmp_path, num_layers=2, hidden_size=16, num_heads=4, corpus_files=corpus)
    model = AutoModel.from_pretrained(str(tmp_path))
    assert (model.config.num_hidden_layers, model.config.hidden_size) == (2, 16)
    assert "東" not in AutoTokenizer.from_pretrained(str(tmp_path)).get_vocab()


def test_subcommand(tmp_path, monkeypatch, capsys):
    from allennlp.commands import main

    out_dir = tmp_path / "tiny"
    config = str(CONFIG_DIR / "pawsx_aif.jsonnet")
    monkeypatch.setattr(sys, "argv", ["allennlp", "xfuse-tiny-model", str(out_dir), "--seed",
                                      "5", "--num-layers", "4", "--config", config,
                                      "--overrides-only"])
    main(prog="allennlp")
    overrides = json.loads(capsys.readouterr().out)
    assert overrides["dataset_reader.tokenizer.model_name"] == str(out_dir.resolve())
    assert AutoModel.from_pretrained(str(out_dir)).config.num_hidden_layers == 4

    # For a shipped config, the overrides also resize its encoder to the tiny hidden size and
    # move its layers ([3, 6, 9, -1] of 12) to the same depths of 4.
    assert overrides["model.seq2vec_encoder.input_dim"] == 4 * 32
    assert overrides["model.text_field_embedder.token_embedders.tokens.layers"] == [1, 2, 3, -1]

    # Two layers cannot hold four distinct ones: a one-line error, not a traceback.
    monkeypatch.setattr(sys, "argv", ["allennlp", "xfuse-tiny-model", str(tmp_path / "two"),
                                      "--num-layers", "2", "--config", config])
    with pytest.raises(SystemExit) as exit_info:
        main(prog="allennlp")
    assert exit_info.value.code == 2
    assert "repeats a layer" in capsys.readouterr().err

    monkeypatch.setattr(sys, "argv", ["allennlp", "xfuse-tiny-model", str(out_dir), "--config",
                                      str(tmp_path / "absent.jsonnet")])
    main(prog="allennlp")
    printed = capsys.readouterr().out
    assert "--overrides" in printed and "absent.jsonnet not found" in printed
