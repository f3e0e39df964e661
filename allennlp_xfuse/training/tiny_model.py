"""
A tiny masked LM with a multilingual vocabulary, built locally in a second: what tests, the
demo and offline smoke tests of the configs run on. Two architectures, as users compare them:
BERT (mBERT's: cased WordPiece, `[CLS] a [SEP] b [SEP]`, token type embeddings, a pretrained
pooler) and XLM-R (SentencePiece-style unigram pieces, `<s> a </s></s> b </s>`, no token type
embeddings, no pooler in the checkpoint).

The weights are random (seeded); the vocabulary comes from every bundled sample (PAWS-X in its
seven languages, XNLI, PAN-X and UD POS: Latin, Cyrillic, Arabic, Devanagari, Thai and CJK
scripts), so the other tasks' test languages are not all unknown tokens. The directory is
written with `save_pretrained`, so Hugging Face's `AutoModel`/`AutoTokenizer` and AllenNLP's
`pretrained_transformer` tokenizer, indexer and embedders load it by path, offline.
"""
import math
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.pair_files import read_pair_files
from allennlp_xfuse.data.sample_paths import (
    panx_sample_dir,
    sample_dir,
    udpos_sample_dir,
    xnli_sample_dir,
)

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# XLM-R's special pieces at XLM-R's ids (<s> 0, <pad> 1, </s> 2, <unk> 3; <mask> comes last).
XLMR_SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>")
XLMR_MASK_TOKEN = "<mask>"

# SentencePiece's word-start marker.
WORD_START = "\u2581"

ARCHITECTURES = ("bert", "xlm-roberta")

# A word joins the vocabulary only if it occurs this often (rarer ones split into characters).
MIN_WORD_FREQUENCY = 2


def build_tiny_model(
    out_dir: Union[str, Path],
    seed: int = 13,
    num_layers: int = 12,
    hidden_size: int = 32,
    num_heads: int = 2,
    intermediate_size: int = 64,
    vocab_size: int = 3000,
    max_position_embeddings: int = 512,
    corpus_files: Optional[Sequence[Union[str, Path]]] = None,
    architecture: str = "bert",
) -> str:
    """
    Writes a randomly initialized masked LM and its fast tokenizer to `out_dir` and returns the
    directory. The same arguments give the same vocabulary and weights.

    `architecture="bert"`: a BERT with a `BertTokenizerFast` (cased, accents kept, CJK
    characters split). `architecture="xlm-roberta"`: an XLM-R (`XLMRobertaForMaskedLM`, no
    token type embeddings, positions offset past the padding id as XLM-R's are) with an
    `XLMRobertaTokenizerFast` over unigram pieces (see `build_unigram_pieces`); like
    `xlm-roberta-base`, its checkpoint has no pooler, so a `bert_pooler` head starts random
    (which is the shape of XTREME's XLM-R head, a new dense + tanh on `<s>`).

    The checkpoint is a `BertForPreTraining`, as BERT's own checkpoints (mBERT's included) are:
    the masked LM head (for the `mlm_swap` attack) and the pooler (dense + tanh on `[CLS]`),
    which the shipped configs' head (`bert_pooler`) loads. Without saved pooler weights,
    every load would draw a new random pooler.

    # Parameters

    out_dir : `Union[str, Path]`
        Where to write (created if needed; existing model files are overwritten).
    seed : `int`, optional (default = `13`)
        Seeds the weight initialization (the caller's torch RNG state is left untouched).
    num_layers : `int`, optional (default = `12`)
        Transformer layers, so `hidden_states` has `num_layers + 1` entries. Twelve, as in
        mBERT, so the shipped configs' layer indices are valid unchanged.
    hidden_size : `int`, optional (default = `32`)
        The width of every layer's hidden states.
    num_heads : `int`, optional (default = `2`)
        Attention heads; must divide `hidden_size`.
    intermediate_size : `int`, optional (default = `64`)
        The width of the feed-forward layers.
    vocab_size : `int`, optional (default = `3000`)
        Upper bound on the vocabulary (special tokens, characters and frequent words).
    max_position_embeddings : `int`, optional (default = `512`)
        Also the tokenizer's `model_max_length`.
    corpus_files : `Sequence[Union[str, Path]]`, optional (default = the bundled samples)
        Files of sentence pairs (any layout the `pawsx` reader reads) to build the vocabulary
        from; by default every bundled sample's text (`bundled_sample_texts`).
    architecture : `str`, optional (default = `"bert"`)
        One of `ARCHITECTURES`: `"bert"` or `"xlm-roberta"`.
    """
    if architecture not in ARCHITECTURES:
        raise ConfigurationError(
            f"Unknown architecture {architecture!r}: choose one of {', '.join(ARCHITECTURES)}."
        )
    if hidden_size % num_heads:
        raise ConfigurationError(
            f"hidden_size {hidden_size} must be a multiple of num_heads {num_heads}."
        )
    if isinstance(corpus_files, (str, Path)):
        corpus_files = [corpus_files]
    if corpus_files:
        files = [str(path) for path in corpus_files]
        sentences: Iterable[str] = (
            text for row in read_pair_files(files) for text in (row.sentence1, row.sentence2)
        )
    else:
        sentences = bundled_sample_texts()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sizes = dict(
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
    )
    if architecture == "xlm-roberta":
        _write_tiny_xlm_roberta(out, sentences, vocab_size, max_position_embeddings, seed, sizes)
    else:
        _write_tiny_bert(out, sentences, vocab_size, max_position_embeddings, seed, sizes)
    return str(out)


def bundled_sample_texts() -> Iterator[str]:
    """
    The text of every bundled sample, read by its task's reader code: each PAWS-X and XNLI
    sentence, and each PAN-X and UD sentence's words joined by spaces.
    """
    from allennlp_xfuse.data.dataset_readers.panx_ner import PanxNerDatasetReader
    from allennlp_xfuse.data.dataset_readers.ud_pos import UdPosDatasetReader
    from allennlp_xfuse.data.xnli_files import read_xnli_files

    pawsx_files = [str(path) for path in sorted(sample_dir().glob("*/*.tsv"))]
    xnli_files = [str(path) for path in sorted(xnli_sample_dir().glob("*.tsv"))]
    for row in read_pair_files(pawsx_files, verbose=False):
        yield from (row.sentence1, row.sentence2)
    for row in read_xnli_files(xnli_files, verbose=False):
        yield from (row.sentence1, row.sentence2)
    for reader, files in (
        (PanxNerDatasetReader(), sorted(panx_sample_dir().glob("*-*"))),
        (UdPosDatasetReader(), sorted(udpos_sample_dir().glob("*/*.conllu"))),
    ):
        for sentence in reader.read_sentences([str(path) for path in files]):
            yield " ".join(sentence.words)


def _write_tiny_bert(
    out: Path,
    sentences: Iterable[str],
    vocab_size: int,
    max_position_embeddings: int,
    seed: int,
    sizes: Dict[str, int],
) -> None:
    """
    Writes the BERT of `build_tiny_model` to `out`.

    # Parameters

    out : `Path`
        An existing directory.
    sentences : `Iterable[str]`
        The corpus of the vocabulary.
    vocab_size : `int`
        Upper bound on the vocabulary.
    max_position_embeddings : `int`
        Also the tokenizer's `model_max_length`.
    seed : `int`
        Seeds the weights.
    sizes : `Dict[str, int]`
        `hidden_size`, `num_hidden_layers`, `num_attention_heads`, `intermediate_size`.
    """
    import torch
    from transformers import (
        BertConfig,
        BertForMaskedLM,
        BertForPreTraining,
        BertTokenizerFast,
    )

    vocab = build_wordpiece_vocab(sentences, vocab_size)
    vocab_file = out / "vocab.txt"
    vocab_file.write_text("".join(f"{token}\n" for token in vocab), encoding="utf-8")
    tokenizer = BertTokenizerFast(
        vocab_file=str(vocab_file),
        do_lower_case=False,
        strip_accents=False,
        tokenize_chinese_chars=True,
        model_max_length=max_position_embeddings,
    )
    tokenizer.save_pretrained(str(out))

    config = BertConfig(
        vocab_size=len(vocab),
        max_position_embeddings=max_position_embeddings,
        type_vocab_size=2,
        pad_token_id=vocab.index("[PAD]"),
        **sizes,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        masked_lm = BertForMaskedLM(config)
        # The encoder and masked LM weights are drawn as they always were (a BertForPreTraining
        # would draw them in another order, so the same seed would give another model); the
        # pooler and the next-sentence head come after them from the same generator.
        model = BertForPreTraining(config)
        # all of the masked LM's weights; the pooler's and the next-sentence head's stay new
        model.load_state_dict(masked_lm.state_dict(), strict=False)
    model.save_pretrained(str(out))


def _write_tiny_xlm_roberta(
    out: Path,
    sentences: Iterable[str],
    vocab_size: int,
    max_position_embeddings: int,
    seed: int,
    sizes: Dict[str, int],
) -> None:
    """
    Writes the XLM-R of `build_tiny_model` to `out`.

    # Parameters

    out : `Path`
        An existing directory.
    sentences : `Iterable[str]`
        The corpus of the vocabulary.
    vocab_size : `int`
        Upper bound on the vocabulary.
    max_position_embeddings : `int`
        The tokenizer's `model_max_length`; the model has 2 more positions, as XLM-R's
        positions start after the padding id.
    seed : `int`
        Seeds the weights.
    sizes : `Dict[str, int]`
        `hidden_size`, `num_hidden_layers`, `num_attention_heads`, `intermediate_size`.
    """
    import torch
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM, XLMRobertaTokenizerFast

    pieces = build_unigram_pieces(sentences, vocab_size)
    ids = {piece: index for index, (piece, _) in enumerate(pieces)}
    backend = Tokenizer(models.Unigram(pieces, unk_id=ids["<unk>"]))
    # NFKC, and any whitespace as a space (SentencePiece's normalization does both)
    backend.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), normalizers.Replace(Regex(r"\s+"), " ")]
    )
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement=WORD_START)
    backend.decoder = decoders.Metaspace(replacement=WORD_START)
    backend.post_processor = processors.RobertaProcessing(
        sep=("</s>", ids["</s>"]), cls=("<s>", ids["<s>"]), add_prefix_space=False
    )
    tokenizer = XLMRobertaTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token=XLMR_MASK_TOKEN,
        model_max_length=max_position_embeddings,
    )
    tokenizer.save_pretrained(str(out))

    config = XLMRobertaConfig(
        vocab_size=len(pieces),
        max_position_embeddings=max_position_embeddings + ids["<pad>"] + 1,
        type_vocab_size=1,
        pad_token_id=ids["<pad>"],
        bos_token_id=ids["<s>"],
        eos_token_id=ids["</s>"],
        **sizes,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = XLMRobertaForMaskedLM(config)
    model.save_pretrained(str(out))


def build_unigram_pieces(sentences: Iterable[str], vocab_size: int) -> List[Tuple[str, float]]:
    """
    A SentencePiece-style unigram vocabulary with log-probability scores, as XLM-R's: its
    special pieces at its ids, then every character both as a word start (`▁x`) and inside a
    word, then the words occurring at least `MIN_WORD_FREQUENCY` times as whole pieces (`▁word`,
    most frequent first), and `<mask>` last, up to `vocab_size` entries. Scores are log relative
    frequencies, so a frequent whole word beats its characters; any text made of seen
    characters tokenizes without `<unk>`. Built from counts rather than with the `tokenizers`
    unigram trainer for the same reason as `build_wordpiece_vocab`: the same corpus must give
    the same vocabulary in every process.

    # Parameters

    sentences : `Iterable[str]`
        The corpus, one text at a time; words are split at whitespace (after NFKC, as the
        saved tokenizer normalizes).
    vocab_size : `int`
        The most entries to return; too small for the special pieces and characters is a
        `ConfigurationError`.
    """
    import unicodedata

    word_counts: Counter = Counter()
    for sentence in sentences:
        word_counts.update(unicodedata.normalize("NFKC", sentence).split())
    character_counts: Counter = Counter()
    for word, count in word_counts.items():
        for character in word:
            character_counts[character] += count
    total = sum(character_counts.values()) + sum(word_counts.values())

    def score(count: int) -> float:
        return math.log(count / total)

    characters = sorted(character_counts)
    pieces: List[Tuple[str, float]] = [(token, 0.0) for token in XLMR_SPECIAL_TOKENS]
    # Characters score far below words so that a known word is one piece, not its letters.
    pieces += [(WORD_START + c, score(character_counts[c]) - 10.0) for c in characters]
    pieces += [(c, score(character_counts[c]) - 10.0) for c in characters]
    if len(pieces) + 1 > vocab_size:
        raise ConfigurationError(
            f"vocab_size {vocab_size} is too small for the corpus: its special pieces and "
            f"characters alone take {len(pieces) + 1} entries."
        )
    known = {piece for piece, _ in pieces}
    frequent = sorted(
        (word for word, count in word_counts.items()
         if count >= MIN_WORD_FREQUENCY and len(word) > 1 and WORD_START + word not in known),
        key=lambda word: (-word_counts[word], word),
    )
    room = vocab_size - len(pieces) - 1
    pieces += [(WORD_START + word, score(word_counts[word])) for word in frequent[:room]]
    return pieces + [(XLMR_MASK_TOKEN, 0.0)]


def build_wordpiece_vocab(sentences: Iterable[str], vocab_size: int) -> List[str]:
    """
    A cased WordPiece vocabulary: the special tokens, every character (and its `##`
    continuation form when it occurs inside a word), then the words occurring at least
    `MIN_WORD_FREQUENCY` times, most frequent first, up to `vocab_size` entries. Any text made
    of seen characters tokenizes without `[UNK]`.

    Words are cut by the `tokenizers` library's BERT normalizer and pre-tokenizer (the ones
    `BertWordPieceTokenizer(lowercase=False, strip_accents=False, handle_chinese_chars=True)`
    uses), so the vocabulary matches what the saved tokenizer sees. Its WordPiece trainer is
    not used: it breaks ties in a different order in every process (Rust hash maps), which
    would make the model depend on the run, not the seed.

    # Parameters

    sentences : `Iterable[str]`
        The corpus, one text at a time.
    vocab_size : `int`
        The most entries to return; too small for the special tokens and characters is a
        `ConfigurationError`.
    """
    from tokenizers.normalizers import BertNormalizer
    from tokenizers.pre_tokenizers import BertPreTokenizer

    normalizer = BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False
    )
    pre_tokenizer = BertPreTokenizer()

    def words(text: str) -> List[str]:
        """
        The words the saved tokenizer cuts `text` into before WordPiece.

        # Parameters

        text : `str`
        """
        return [word for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))]

    word_counts: Counter = Counter()
    for sentence in sentences:
        word_counts.update(words(sentence))

    characters = sorted({character for word in word_counts for character in word})
    # Characters the pre-tokenizer does not isolate (CJK ideographs and punctuation it does)
    # may continue a word, so they need their "##" form too.
    continuations = [f"##{c}" for c in characters if len(words(c + c)) == 1]
    vocab = list(SPECIAL_TOKENS) + characters + continuations
    if len(vocab) > vocab_size:
        raise ConfigurationError(
            f"vocab_size {vocab_size} is too small for the corpus: its special tokens and "
            f"characters alone take {len(vocab)} entries."
        )
    known = set(vocab)
    frequent = sorted(
        (word for word, count in word_counts.items()
         if count >= MIN_WORD_FREQUENCY and word not in known),
        key=lambda word: (-word_counts[word], word),
    )
    return vocab + frequent[: vocab_size - len(vocab)]
