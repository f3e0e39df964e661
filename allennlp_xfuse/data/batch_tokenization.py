"""
AllenNLP's `PretrainedTransformerTokenizer.tokenize`, for many texts at once.

`tokenize` calls the Hugging Face tokenizer once per text. A fast (Rust) tokenizer does a
whole batch in one call, and on one CPU core that call is several times faster than the same
texts one by one: with a GPU doing the model's math, per-text tokenization is what limits
`allennlp evaluate` and the attacks' model queries. `tokenize_batch` makes the one call and
builds the very `Token`s `tokenize` would (text, id, type id, character offsets).
"""
from typing import List, Sequence

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
    # The arguments of `tokenize`'s own `encode_plus` call, for a batch.
    encoding = transformer_tokenizer(
        list(texts), add_special_tokens=True, return_attention_mask=False
    )
    keep_special = tokenizer._add_special_tokens
    batch: List[List[Token]] = []
    # The fast tokenizer's own encodings hold the token strings already: converting ids back
    # to strings one by one (`convert_ids_to_tokens`) cost as much as the tokenization. The
    # loop is the reader's hottest: one comprehension, no per-token method calls.
    for encoded in encoding.encodings:
        batch.append([
            Token(text, None if start >= end else start, None if start >= end else end,
                  text_id=token_id, type_id=type_id)
            for text, token_id, type_id, is_special, (start, end) in zip(
                encoded.tokens,
                encoded.ids,
                encoded.type_ids,
                encoded.special_tokens_mask,
                encoded.offsets,
            )
            # as `tokenize`: special tokens only when the tokenizer adds them, and an empty
            # span (special tokens) has no offsets
            if keep_special or not is_special
        ])
    return batch
