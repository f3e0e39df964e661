"""
The TextAttack transformations the multilingual recipes add: keyboard typos on the attacked
language's layout (`WordSwapKeyboard`), and TextAttack's masked-LM word swap made to work in any
language (`MultilingualWordSwapMaskedLM`).

Imports TextAttack at module level: import this module only where an attack is built.
"""
import random
from typing import List, Sequence

import torch
from textattack.shared import AttackedText
from textattack.shared import utils as textattack_utils
from textattack.transformations import WordSwap, WordSwapMaskedLM

from allennlp_xfuse.attacks.resources import keyboard_neighbours
from allennlp_xfuse.attacks.segmentation import script_of


class WordSwapKeyboard(WordSwap):
    """
    Replaces one character of a word by a neighbouring key on the `language` keyboard:
    TextAttack's `WordSwapQWERTY`, but with the language's layout (QWERTZ for de, AZERTY for fr,
    Spanish QWERTY with ñ, Dubeolsik jamo for Korean syllables; see
    `allennlp_xfuse.attacks.resources`). Characters without a layout (ja/zh) give no candidate.

    # Parameters

    language : `str`
        Language whose keyboard to use.
    random_one : `bool`, optional (default = `True`)
        Return one random typo instead of every possible one.
    skip_first_char : `bool`, optional (default = `False`)
        Leave the first character alone.
    skip_last_char : `bool`, optional (default = `False`)
        Leave the last character alone.
    """

    def __init__(
        self,
        language: str,
        random_one: bool = True,
        skip_first_char: bool = False,
        skip_last_char: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.language = language
        self.random_one = random_one
        self.skip_first_char = skip_first_char
        self.skip_last_char = skip_last_char

    def _get_replacement_words(self, word: str) -> List[str]:
        start = 1 if self.skip_first_char else 0
        end = len(word) - 1 if self.skip_last_char else len(word)
        candidates = [
            word[:i] + key + word[i + 1 :]
            for i in range(start, end)
            for key in keyboard_neighbours(word[i], self.language)
        ]
        if self.random_one and candidates:
            # the global `random`, like TextAttack's own random transformations: the attack
            # command seeds it per example
            return [random.choice(candidates)]
        return candidates

    @property
    def deterministic(self) -> bool:
        return not self.random_one

    def extra_repr_keys(self) -> List[str]:
        return super().extra_repr_keys() + ["language", "random_one"]


_SCAN_DEPTH_PER_CANDIDATE = 20


class MultilingualWordSwapMaskedLM(WordSwapMaskedLM):
    """
    BAE-R word replacement (Garg & Ramakrishnan, 2020): mask a word, let a masked LM fill the
    mask, keep its most confident whole-word predictions. A `WordSwapMaskedLM` with
    `method="bae"` whose candidate generation is rewritten because the original is English-only:

    - it keeps only candidates matching `[a-zA-Z]`, which drops every de/fr accented-only,
      ja, ko and zh word;
    - it detects subwords with a list of model types ("bert", "roberta", ...) and raises for
      others (e.g. "xlm-roberta");
    - it pads every masked text to `max_length` (512) instead of to the longest in the batch.

    Here: the pair is encoded as a pair (`[CLS] s1 [SEP] s2 [SEP]`, as the MLM was pretrained),
    padding is dynamic, special tokens and word continuations (WordPiece's `##`,
    SentencePiece's pieces without `▁`) are dropped, SentencePiece/BPE word markers (`▁`, `Ġ`)
    stripped, and a candidate must be one word, contain a letter and no digit, and be written
    in the script of the word it replaces (so a German word is not swapped for a Chinese one by
    a multilingual LM). The LM runs on the device it is on.

    # Parameters

    masked_language_model : `transformers.PreTrainedModel`
        A masked LM (e.g. `BertForMaskedLM` for `bert-base-multilingual-cased`).
    tokenizer : `transformers.PreTrainedTokenizerBase`
        Its tokenizer.
    max_candidates : `int`, optional (default = `50`)
        Candidates per word (BAE: 50).
    min_confidence : `float`, optional (default = `0.0`)
        Lowest LM probability a candidate may have (BAE: 0).
    max_length : `int`, optional (default = `256`)
        Truncation length of the masked pair for the LM.
    batch_size : `int`, optional (default = `16`)
        Masked texts per LM forward pass.
    """

    def __init__(
        self,
        masked_language_model,
        tokenizer,
        max_candidates: int = 50,
        min_confidence: float = 0.0,
        max_length: int = 256,
        batch_size: int = 16,
    ) -> None:
        device_before = next(masked_language_model.parameters()).device
        super().__init__(
            method="bae",
            masked_language_model=masked_language_model,
            tokenizer=tokenizer,
            max_length=max_length,
            max_candidates=max_candidates,
            min_confidence=min_confidence,
            batch_size=batch_size,
        )
        # the parent moves the LM to TextAttack's global device; keep the caller's choice
        self._language_model.to(device_before)
        # SentencePiece vocabularies (XLM-R's) mark word starts with "▁": a piece without it
        # continues a word, as "##" does in WordPiece, and is no word to swap in.
        self._word_start = (
            "\u2581" if any(token.startswith("\u2581") for token in tokenizer.get_vocab()) else None
        )

    def _get_transformations(
        self, current_text: AttackedText, indices_to_modify: Sequence[int]
    ) -> List[AttackedText]:
        indices = list(indices_to_modify)
        transformed = []
        for index, candidates in zip(indices, self._candidates(current_text, indices)):
            for word in candidates:
                if word != current_text.words[index]:
                    transformed.append(current_text.replace_word_at_index(index, word))
        return transformed

    def _candidates(self, current_text: AttackedText, indices: List[int]) -> List[List[str]]:
        tokenizer = self._lm_tokenizer
        device = next(self._language_model.parameters()).device
        masked = [
            current_text.replace_word_at_index(index, tokenizer.mask_token) for index in indices
        ]
        special_ids = set(tokenizer.all_special_ids)
        results: List[List[str]] = []
        for start in range(0, len(masked), self.batch_size):
            batch = masked[start : start + self.batch_size]
            # a pair is encoded as a pair ([CLS] s1 [SEP] s2 [SEP]), as the LM was pretrained
            inputs = [text.tokenizer_input for text in batch]
            columns = list(zip(*inputs)) if isinstance(inputs[0], tuple) else [inputs]
            encoding = tokenizer(
                *[list(column) for column in columns[:2]],
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            with torch.no_grad():
                logits = self._language_model(**encoding).logits
            for row in range(len(batch)):
                original = current_text.words[indices[start + row]]
                positions = (encoding["input_ids"][row] == tokenizer.mask_token_id).nonzero()
                if len(positions) == 0:  # the mask fell past max_length
                    results.append([])
                    continue
                probabilities = torch.softmax(logits[row, positions[0, 0]], dim=-1)
                # look a fixed depth down the ranking: most of a multilingual vocabulary is in
                # other scripts, and scanning all of it per word would dominate the attack
                depth = min(probabilities.numel(), _SCAN_DEPTH_PER_CANDIDATE * self.max_candidates)
                top_probabilities, top_ids = probabilities.topk(depth)
                words: List[str] = []
                for probability, token_id in zip(top_probabilities.tolist(), top_ids.tolist()):
                    if probability < self.min_confidence:
                        break
                    if token_id in special_ids:
                        continue
                    token = tokenizer.convert_ids_to_tokens(token_id)
                    if self._word_start is not None and not token.startswith(self._word_start):
                        continue
                    word = self._as_word(token, original)
                    if word is not None and word not in words:
                        words.append(word)
                        if len(words) >= self.max_candidates:
                            break
                results.append(words)
        return results

    @staticmethod
    def _as_word(token: str, original: str):
        if token.startswith("##"):  # WordPiece continuation, not a word
            return None
        word = token.lstrip("▁Ġ")
        scripts = {script_of(char) for char in word} - {None}
        # a letter is needed, and no digit: an LM that fills "born in [MASK]" with "1990" adds
        # a fact, which can change whether the pair is a paraphrase (see keep_numbers)
        if "digit" in scripts or not scripts:
            return None
        original_scripts = {script_of(char) for char in original} - {None, "digit"}
        if original_scripts and not scripts & original_scripts:
            return None
        if len(textattack_utils.words_from_text(word)) != 1:
            return None
        return word
