"""
The TextAttack constraints the recipes add: leave numbers alone (`NumberModification`), leave
names shared by both sentences of a pair alone (`SharedNameModification`), and an offline,
multilingual sentence-similarity constraint (`MaskedLmSentenceEncoder`).

Imports TextAttack at module level: import this module only where an attack is built.
"""
from typing import List, Set

import torch
from textattack.constraints import PreTransformationConstraint
from textattack.constraints.semantics.sentence_encoders import SentenceEncoder


class NumberModification(PreTransformationConstraint):
    """
    Forbids changing any word that contains a digit.

    Character attacks happily turn "1925" into "1952" or "925". In PAWS-X, years, ages and
    counts are often exactly what makes two sentences paraphrases or not, so such an edit can
    change the gold label, and the "successful attack" would be a wrong label rather than a
    fooled model. TextAttack's English recipes do not guard against it (for sentiment a number
    rarely matters).
    """

    def _get_modifiable_indices(self, current_text) -> Set[int]:
        return {
            index
            for index, word in enumerate(current_text.words)
            if not any(char.isdigit() for char in word)
        }


class SharedNameModification(PreTransformationConstraint):
    """
    Forbids changing a name that both sentences of a pair contain.

    A PAWS-X label says whether two sentences mean the same; the names they share (people,
    places, works) are what they are about. An edit of such a name in one sentence only
    ("Winarsky" -> "Winvrsky", met among DeepWordBug's successes on a real encoder) can turn a
    paraphrase into a statement about someone else, so the "successful" attack would measure a
    changed label, not a fooled model. Words shared by the two sentences are kept identical in
    both when they look like names:

    - a word with an upper-case letter that stands somewhere other than at the start of a
      sentence (so "The" opening both sentences is no name, "Winarsky" or "NBA" is);
    - a katakana word of two or more characters (Japanese writes foreign names in katakana).

    Other shared words stay modifiable: PAWS pairs are built by swapping and copying words, so
    the two sentences share most of their words, and protecting all of them would leave little
    to attack. Names written in Han characters or Hangul (zh, ko, Japanese kanji names) are not
    recognized: that would need a named-entity tagger, which does not run offline in these
    languages.

    Single-text inputs (one column) are left alone.
    """

    def _get_modifiable_indices(self, current_text) -> Set[int]:
        columns = current_text.words_per_input
        if len(columns) != 2:
            return set(range(len(current_text.words)))
        first, second = columns
        names = {
            word for word in set(first) & set(second)
            if _looks_like_name(word, first) or _looks_like_name(word, second)
        }
        return {index for index, word in enumerate(current_text.words) if word not in names}


def _looks_like_name(word: str, sentence_words: List[str]) -> bool:
    """
    Whether `word`, as it occurs in the sentence `sentence_words`, looks like a name (see
    `SharedNameModification`).

    # Parameters

    word : `str`
    sentence_words : `List[str]`
        The words of one sentence, in order.
    """
    from allennlp_xfuse.attacks.segmentation import script_of

    if len(word) >= 2 and all(script_of(char) == "katakana" for char in word):
        return True
    if not any(char.isupper() for char in word):
        return False
    return any(index > 0 for index, other in enumerate(sentence_words) if other == word)


class MaskedLmSentenceEncoder(SentenceEncoder):
    """
    Cosine similarity of mean-pooled hidden states of a (multilingual) transformer encoder,
    as a TextAttack `SentenceEncoder` constraint.

    Why this and not the Universal Sentence Encoder of BAE/TextFooler: USE (and its multilingual
    version) loads from TF-Hub, which needs the network and TensorFlow, and is not defined for
    all seven PAWS-X languages. The encoder of the masked LM that proposes the swaps is already
    loaded, covers the same languages, and its middle-upper layers carry the contextual meaning
    that a swap may change; `layer` defaults to 4 layers below the top (hidden_states[9] of
    12-layer mBERT, the layer BERTScore selected for mBERT). Surface measures (BLEU,
    Levenshtein) would only count changed words, which `MaxWordsPerturbed` already bounds.
    Padding and special tokens are left out of the mean.

    # Parameters

    model : `transformers.PreTrainedModel`
        A Hugging Face model whose `base_model` returns `hidden_states`
        (e.g. the `BertForMaskedLM` of the swap transformation).
    tokenizer : `transformers.PreTrainedTokenizerBase`
        Its tokenizer.
    layer : `int`, optional (default = `-4`)
        Index into `hidden_states` (0 = embeddings, negative from the top).
    threshold : `float`, optional (default = `0.9`)
        Smallest cosine similarity a perturbed text may keep.
    window_size : `int`, optional (default = `15`)
        Words around the swapped word that are compared (BAE: 15); `None` compares whole texts.
    max_length : `int`, optional (default = `256`)
        Truncation length for the encoder.
    batch_size : `int`, optional (default = `32`)
        Texts per forward pass.
    """

    def __init__(
        self,
        model,
        tokenizer,
        layer: int = -4,
        threshold: float = 0.9,
        window_size: int = 15,
        max_length: int = 256,
        batch_size: int = 32,
    ) -> None:
        super().__init__(
            threshold=threshold,
            metric="cosine",
            compare_against_original=True,
            window_size=window_size,
            skip_text_shorter_than_window=False,
        )
        self.encoder = model.base_model
        self.tokenizer = tokenizer
        self.layer = layer
        self.max_length = max_length
        self.batch_size = batch_size
        # SentenceEncoder._sim_score calls `self.model.encode`
        self.model = self

    def encode(self, sentences: List[str]) -> torch.Tensor:
        device = next(self.encoder.parameters()).device
        embeddings = []
        for start in range(0, len(sentences), self.batch_size):
            encoding = self.tokenizer(
                list(sentences[start : start + self.batch_size]),
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
                return_special_tokens_mask=True,
            ).to(device)
            special = encoding.pop("special_tokens_mask").bool()
            with torch.no_grad():
                hidden = self.encoder(**encoding, output_hidden_states=True).hidden_states
            states = hidden[self.layer]
            mask = (encoding["attention_mask"].bool() & ~special).unsqueeze(-1).to(states.dtype)
            # a text of special tokens only (empty window) would divide by zero
            summed = (states * mask).sum(dim=1)
            embeddings.append(summed / mask.sum(dim=1).clamp(min=1.0))
        return torch.cat(embeddings).cpu()

    def extra_repr_keys(self) -> List[str]:
        return ["layer"] + super().extra_repr_keys()
