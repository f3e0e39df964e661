"""
AllenNLP's `PretrainedTransformerTokenizer.tokenize`, for many texts at once.

`tokenize` calls the Hugging Face tokenizer once per text. A fast (Rust) tokenizer does a
whole batch in one call, and on one CPU core that call is several times faster than the same
texts one by one: with a GPU doing the model's math, per-text tokenization is what limits
`allennlp evaluate` and the attacks' model queries. `tokenize_batch` makes the one call and
builds the very `Token`s `tokenize` would (text, id, type id, character offsets).
`tokenize_batch_shared` makes the same call for readers whose tokens only an indexer reads, and
returns one shared `Token` per wordpiece and type id instead of a new one per occurrence.
"""
import gc
from contextlib import contextmanager
from itertools import repeat
from typing import Any, Dict, Iterator, List, Sequence

from allennlp.data.tokenizers import PretrainedTransformerTokenizer, Token


def tokenize_batch(
    tokenizer: PretrainedTransformerTokenizer, texts: Sequence[str]
) -> List[List[Token]]:
    """
    `[tokenizer.tokenize(text) for text in texts]`, from one call of the underlying fast
    tokenizer. Falls back to the per-text calls where the batch call would differ: a slow
    (Python) tokenizer, which has no character offsets to batch, and a tokenizer with its own
    `max_length`, which `tokenize` truncates in its own way.

    # Parameters

    tokenizer : `PretrainedTransformerTokenizer`
    texts : `Sequence[str]`
        One sentence (or sequence) each.
    """
    transformer_tokenizer = tokenizer.tokenizer
    if not texts or not transformer_tokenizer.is_fast or tokenizer._max_length is not None:
        return [tokenizer.tokenize(text) for text in texts]
    return _tokens_of(transformer_tokenizer, _encode_batch(transformer_tokenizer, texts),
                      keep_special=tokenizer._add_special_tokens)


def tokenize_batch_shared(
    tokenizer: PretrainedTransformerTokenizer,
    texts: Sequence[str],
    type_id: int,
    shared: Dict[int, Token],
) -> List[List[Token]]:
    """
    `tokenize_batch` for tokens that only a `PretrainedTransformerIndexer` reads (it takes each
    token's `text_id` and `type_id`): every token gets `type_id`, and one `Token` object, kept
    in `shared`, stands for every occurrence of a wordpiece, without character offsets (`idx`
    and `idx_end` are `None`).

    A sentence of PAWS-X makes about 30 wordpieces. With a fresh `Token` for each, a dev set
    held in memory is millions of objects: building them was the reader's largest cost, and
    Python's garbage collector walked them all again and again while `index_with` and the
    batching ran (1.1 s against 0.2 s without the collector, for `index_with` of the 14,000 real
    dev pairs). Shared tokens are few (one per vocabulary entry and type id) and live as long
    as the table. The callers must not change them. `shared` is the caller's table for this
    `type_id`, filled as new wordpieces come.

    Falls back to `tokenize_batch` (fresh tokens with offsets) where it would, for a slow
    tokenizer or a tokenizer with its own `max_length`.

    # Parameters

    tokenizer : `PretrainedTransformerTokenizer`
    texts : `Sequence[str]`
        One sentence (or sequence) each.
    type_id : `int`
        The token type id of every token (the first or the second sentence of a pair).
    shared : `Dict[int, Token]`
        `text_id` -> the token with that id and `type_id`; the caller keeps one table per type
        id from batch to batch.
    """
    transformer_tokenizer = tokenizer.tokenizer
    if not texts or not transformer_tokenizer.is_fast or tokenizer._max_length is not None:
        batch = tokenize_batch(tokenizer, texts)
        for tokens in batch:
            for token in tokens:
                token.type_id = type_id
        return batch
    keep_special = tokenizer._add_special_tokens
    batch = []
    for encoded in _encode_batch(transformer_tokenizer, texts):
        ids = encoded.ids
        if not keep_special:  # as `tokenize`: special tokens only when the tokenizer adds them
            ids = [token_id for token_id, special in zip(ids, encoded.special_tokens_mask)
                   if not special]
        if not all(token_id in shared for token_id in ids):
            # new wordpieces: named as `tokenize` names them, by id (`convert_ids_to_tokens`:
            # a piece the vocabulary lacks, such as a lone "▁", is the unknown token)
            for token_id, text in zip(ids, transformer_tokenizer.convert_ids_to_tokens(ids)):
                if token_id not in shared:
                    shared[token_id] = Token(text=text, text_id=token_id, type_id=type_id)
        batch.append([shared[token_id] for token_id in ids])
    return batch


def _encode_batch(transformer_tokenizer: Any, texts: Sequence[str]) -> List[Any]:
    # The fast tokenizer's encodings of `texts`, as `tokenize` would encode each: with the
    # special tokens the tokenizer adds, no truncation or padding.
    backend = transformer_tokenizer.backend_tokenizer
    if backend.truncation is None and backend.padding is None:
        # `tokenize`'s own call (`encode_plus` with special tokens, no truncation or padding),
        # made on the Rust tokenizer directly: the Python wrapper would also convert every
        # encoding into lists nobody reads here, a fifth of the time.
        return backend.encode_batch(list(texts), add_special_tokens=True)
    # a caller left truncation or padding set: the wrapper's call resets them
    return transformer_tokenizer(
        list(texts), add_special_tokens=True, return_attention_mask=False
    ).encodings


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """
    Pauses Python's cyclic garbage collector inside the `with` block (as it was before, after).

    Building a batch's `Token`s and instances allocates tens of thousands of objects the
    collector tracks, and every 700 allocations start a collection; with the instances a reader
    has made so far still alive (AllenNLP's data loader keeps them), the older generations'
    collections walk all of them again and again. On the PAWS-X dev sets that made building
    the tokens cost 3-4 times its own work, and the `pawsx` reader 0.42x of the fast
    tokenizer's rate (0.66x paused; `benchmarks/reader_throughput.py`). Tokens and fields hold
    strings, numbers, None and each other, so the block makes no cycle; paused, the collector
    runs once after it instead of dozens of times during it (and would still find a cycle
    then: pausing delays collection, it frees nothing less). No `yield` may sit inside the
    block: the caller's code would run with the collector off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _tokens_of(
    transformer_tokenizer: Any, encodings: Sequence[Any], keep_special: bool
) -> List[List[Token]]:
    """
    The `Token`s of fast-tokenizer encodings, as AllenNLP's `tokenize` makes them.

    # Parameters

    transformer_tokenizer : `PreTrainedTokenizerFast`
    encodings : `Sequence[tokenizers.Encoding]`
    keep_special : `bool`
        Keep the special tokens (else they are left out, as `tokenize` does when the tokenizer
        adds none).
    """
    batch: List[List[Token]] = []
    # The reader's hottest loop (hundreds of thousands of tokens per file). The fast tokenizer's
    # encodings hold the token strings already (converting ids back one by one cost as much as
    # the tokenization), and each `Token` is made with `Token.__new__` and its ten slots set
    # directly: `Token.__init__` (keyword arguments, an assertion, then the same ten
    # assignments) made building the tokens cost more than tokenizing. The objects are plain
    # `Token`s, equal field by field to what `tokenize` returns (tested).
    new_token = Token.__new__
    # `tokenize` names a token by its id (`convert_ids_to_tokens`): a piece the vocabulary
    # lacks (a lone "▁" for a SentencePiece model) is then its unknown token, not the piece.
    unknown_id = transformer_tokenizer.unk_token_id
    unknown_text = transformer_tokenizer.unk_token
    # with the special tokens kept there is no mask to read (one list fewer per encoding)
    none_special = repeat(0)
    with garbage_collection_paused():
        for encoded in encodings:
            tokens: List[Token] = []
            append = tokens.append
            for text, token_id, type_id, is_special, (start, end) in zip(
                encoded.tokens,
                encoded.ids,
                encoded.type_ids,
                none_special if keep_special else encoded.special_tokens_mask,
                encoded.offsets,
            ):
                # as `tokenize`: special tokens only when the tokenizer adds them
                if is_special and not keep_special:
                    continue
                token = new_token(Token)
                token.text = text if token_id != unknown_id else unknown_text
                if start < end:
                    token.idx = start
                    token.idx_end = end
                else:  # an empty span (special tokens) has no offsets
                    token.idx = None
                    token.idx_end = None
                token.lemma_ = token.pos_ = token.tag_ = token.dep_ = token.ent_type_ = None
                token.text_id = token_id
                token.type_id = type_id
                append(token)
            batch.append(tokens)
    return batch
