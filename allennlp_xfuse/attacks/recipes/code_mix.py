"""
Word-level code-mixing with bilingual dictionaries (Tan & Joty, NAACL 2021, "Code-Mixing on
Sesame Street: Dawn of the Adversarial Polyglots"): the `code_mix` recipe (model in the loop,
their PolyGloss) and the model-agnostic `code_mix_random`.

Pure Python at import time: TextAttack is imported when an attack is built.
"""
import functools
import random
from typing import Callable, Dict, List, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks.code_mix_dictionaries import DictionarySet
from allennlp_xfuse.attacks.recipes.attack_recipe import (
    AttackRecipe,
    ModelAgnosticRecipe,
    MultilingualAttackRecipe,
)
from allennlp_xfuse.attacks.resources import check_language, stopwords
from allennlp_xfuse.attacks.segmentation import code_mixed_words, script_of, word_spans
from allennlp_xfuse.attacks.textattack_shims import use_segmentation
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES

WordsFromText = Callable[..., List[str]]


class CodeMixer:
    """
    The replacements both code-mixing recipes draw from: for a word of a `language` text, its
    dictionary translations into each embedded language (`DictionarySet.replacements`), keeping
    only those that contain a letter and no digit, differ from the word, and are one word of the
    code-mixed text (a dictionary's multi-word or hyphen-split entry would shift TextAttack's
    word indices).

    # Parameters

    dictionary_dir : `str`, optional (default = the shipped dictionaries)
        Directory of MUSE dictionaries `<src>-<tgt>.txt` (see `DictionarySet`).
    embedded_languages : `List[str]`, optional (default = the PAWS-X languages)
        Languages words are translated into; the attacked language is left out of its own list.
    """

    def __init__(
        self, dictionary_dir: Optional[str] = None, embedded_languages: Optional[List[str]] = None
    ) -> None:
        self.dictionaries = DictionarySet(dictionary_dir)
        if embedded_languages is not None:
            if isinstance(embedded_languages, str) or not all(
                isinstance(code, str) and code for code in embedded_languages
            ):
                raise ConfigurationError(
                    "embedded_languages must be a list of language codes, e.g. "
                    f'["de", "zh"], not {embedded_languages!r}'
                )
            if not embedded_languages:
                raise ConfigurationError("embedded_languages must name at least one language")
        self.embedded_languages = (
            list(embedded_languages) if embedded_languages is not None else list(PAWSX_LANGUAGES)
        )
        self._checked: Dict[str, List[str]] = {}

    def languages_for(self, language: str) -> List[str]:
        """
        The embedded languages of a `language` text, each checked to have a dictionary (direct or
        through English); a missing one is a `ConfigurationError` that names the pair, and a
        language without any (the shipped dictionaries cover en, de, es, fr, ja, ko, zh; the
        other XNLI languages have none) one that names the language.

        # Parameters

        language : `str`
            The language of the text to code-mix.
        """
        if language not in self._checked:
            check_language(language)
            embedded = [code for code in self.embedded_languages if code != language]
            if not embedded:
                raise ConfigurationError(
                    f"Code-mixing {language} needs an embedded language other than {language}; "
                    f"embedded_languages is {self.embedded_languages}."
                )
            missing = [code for code in embedded if not self._has_pair(language, code)]
            if missing and len(missing) == len(embedded):
                # the attacked language itself has no dictionary (an XNLI language such as ru):
                # say so, rather than blame the first embedded language
                raise ConfigurationError(
                    f"Cannot code-mix {language} text: no bilingual dictionary from {language} "
                    f"into any of {', '.join(embedded)} in {self.dictionaries.directory}. Add "
                    f"the MUSE dictionary {language}-en.txt (the other languages are reached "
                    "through English; https://github.com/facebookresearch/MUSE"
                    "#ground-truth-bilingual-dictionaries) and pass its directory as "
                    "dictionary_dir, or attack this language with another recipe."
                )
            for code in missing:
                self.dictionaries.check_pair(language, code)
            self._checked[language] = embedded
        return self._checked[language]

    def _has_pair(self, source: str, target: str) -> bool:
        try:
            self.dictionaries.check_pair(source, target)
        except ConfigurationError:
            return False
        return True

    def replacements(self, word: str, language: str) -> Dict[str, List[str]]:
        """Embedded language -> the words that can replace `word` (only languages that have one)."""
        found: Dict[str, List[str]] = {}
        for code in self.languages_for(language):
            usable = [
                candidate
                for candidate in self.dictionaries.replacements(word, language, code)
                if candidate != word and _is_one_word(candidate, language)
            ]
            if usable:
                found[code] = usable
        return found

    def candidates(self, word: str, language: str, max_candidates: int) -> List[str]:
        """
        At most `max_candidates` replacements of `word`, taken in turn from each embedded
        language (first translations first), so that no language crowds out the others.
        """
        by_language = list(self.replacements(word, language).values())
        chosen: List[str] = []
        depth = 0
        while len(chosen) < max_candidates and any(depth < len(w) for w in by_language):
            for options in by_language:
                if depth < len(options) and options[depth] not in chosen:
                    chosen.append(options[depth])
                    if len(chosen) >= max_candidates:
                        break
            depth += 1
        return chosen


def _is_one_word(candidate: str, language: str) -> bool:
    scripts = {script_of(char) for char in candidate} - {None}
    if "digit" in scripts or not scripts:
        return False
    return code_mixed_words(candidate, language) == [candidate]


@functools.cache
def _word_swap_translation():
    """`WordSwapTranslation`, defined when first needed so that importing this module does not
    import TextAttack."""
    from textattack.transformations import WordSwap

    class WordSwapTranslation(WordSwap):
        """
        Replaces a word with its dictionary translations into the embedded languages
        (`CodeMixer.candidates`): Tan & Joty's word-level code-mixing perturbation.

        # Parameters

        code_mixer : `CodeMixer`
            The dictionaries and embedded languages.
        language : `str`
            Language of the attacked text.
        max_candidates : `int`
            Replacements per word.
        """

        def __init__(self, code_mixer: CodeMixer, language: str, max_candidates: int) -> None:
            super().__init__()
            self.code_mixer = code_mixer
            self.language = language
            self.embedded_languages = code_mixer.languages_for(language)
            self.max_candidates = max_candidates

        def _get_replacement_words(self, word: str) -> List[str]:
            return self.code_mixer.candidates(word, self.language, self.max_candidates)

        @property
        def deterministic(self) -> bool:
            return True

        def extra_repr_keys(self) -> List[str]:
            return super().extra_repr_keys() + [
                "language", "embedded_languages", "max_candidates"
            ]

    return WordSwapTranslation


@AttackRecipe.register("code_mix")
class CodeMix(MultilingualAttackRecipe):
    """
    Word-level adversarial code-mixing, PolyGloss of Tan & Joty (NAACL 2021, "Code-Mixing on
    Sesame Street: Dawn of the Adversarial Polyglots"; XLM-R large on XNLI fell from 79.85 to
    8.18 accuracy): words, ranked by importance (greedy WIR, each word replaced by the victim's
    unknown token), are replaced by their translations into other languages from bilingual
    dictionaries (`WordSwapTranslation`), keeping the replacement that lowers the gold label's
    probability most, until the prediction flips. With

    - no stopword of the attacked language changed, no word changed twice (as every
      `MultilingualAttackRecipe`), no word with a digit changed (`keep_numbers`);
    - at most `max_percent_words` of the pair's words changed (`MaxWordsPerturbed`).

    Dictionaries are MUSE files `<src>-<tgt>.txt` in `dictionary_dir`; a pair without a file is
    translated through English (`de-en` + `en-fr` for de-fr), see `DictionarySet`. The shipped
    ones cover the bundled sample; for real runs use MUSE's. They cover en, de, es, fr, ja, ko,
    zh: attacking the other XNLI languages (el, bg, ru, ...) needs their MUSE `<lang>-en.txt`
    in `dictionary_dir`, and is otherwise a `ConfigurationError` naming the language. Word
    level only: Tan & Joty's phrase-level Bumblebee (aligned phrase translations) is not
    implemented.

    While the attack runs, TextAttack splits words with `code_mixed_words`, so that an inserted
    word of another script (a Chinese word in a Korean sentence) stays one word instead of
    sending the whole text through jieba.

    Registered as an `AttackRecipe` with name "code_mix".

    Takes `perturb`, `keep_numbers` and `keep_shared_names` as every `AttackRecipe` does
    (documented there; other keywords of the base are passed on to it).

    # Parameters

    dictionary_dir : `str`, optional (default = the shipped dictionaries)
        Directory of MUSE bilingual dictionaries `<src>-<tgt>.txt`.
    embedded_languages : `List[str]`, optional (default = all PAWS-X languages)
        Languages whose words may be mixed in; the attacked language is left out of its own
        list. Codes need not be PAWS-X languages (any MUSE language with a dictionary works).
    max_percent_words : `float`, optional (default = `0.2`)
        Largest share of the pair's words that may change.
    max_candidates : `int`, optional (default = `10`)
        Translations tried per word, taken in turn from each embedded language.
    """

    def __init__(
        self,
        dictionary_dir: Optional[str] = None,
        embedded_languages: Optional[List[str]] = None,
        max_percent_words: float = 0.2,
        max_candidates: int = 10,
        perturb: str = "both",
        keep_numbers: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(perturb=perturb, keep_numbers=keep_numbers, **kwargs)
        if not 0.0 < max_percent_words <= 1.0:
            raise ConfigurationError(
                f"max_percent_words must be in (0, 1], not {max_percent_words}"
            )
        if max_candidates < 1:
            raise ConfigurationError(f"max_candidates must be at least 1, not {max_candidates}")
        self.code_mixer = CodeMixer(dictionary_dir, embedded_languages)
        self.max_percent_words = max_percent_words
        self.max_candidates = max_candidates

    def components(self, model_wrapper, language: str):
        from textattack.constraints.overlap import MaxWordsPerturbed
        from textattack.search_methods import GreedyWordSwapWIR

        transformation = _word_swap_translation()(self.code_mixer, language, self.max_candidates)
        constraints = [MaxWordsPerturbed(max_percent=self.max_percent_words)]
        unk_token = getattr(model_wrapper, "unk_token", None) or "[UNK]"
        return transformation, constraints, GreedyWordSwapWIR(unk_token=unk_token)

    def build(self, model_wrapper, language: str):
        attack = super().build(model_wrapper, language)
        run = attack.attack

        def attack_code_mixed(example, ground_truth_output):
            with use_segmentation(language, code_mixed=True):
                return run(example, ground_truth_output)

        # the runner calls `attack.attack` inside `use_segmentation(language)`; code-mixed texts
        # need the segmentation above for the whole search
        attack.attack = attack_code_mixed
        return attack


@AttackRecipe.register("code_mix_random")
class CodeMixRandom(ModelAgnosticRecipe):
    """
    Model-agnostic code-mixing: in each sentence, a share `rate` of the translatable words (at
    least one) is replaced by its translation into an embedded language drawn at random among
    those whose dictionary has the word (the dictionary's first translation). Translatable words
    are those with a replacement (`CodeMixer`, the same candidates as `code_mix`) that are no
    stopword of the sentence's language and, with `keep_numbers`, contain no digit. Every model
    sees the same code-mixed text, so splits can be shared between models (Tan & Joty's random
    code-mixing baseline).

    Words are those of `allennlp_xfuse.attacks.segmentation` (jieba for zh, script runs for ja;
    Korean particles stay on the translated word: 서울에서 -> Seoul에서). The label is never
    looked at. The result depends only on `(seed, example id)` (string-seeded `random.Random` per
    sentence, no global random state), so a resumed run writes what an uninterrupted run would.

    Registered as an `AttackRecipe` with name "code_mix_random".

    Takes `perturb` and `keep_numbers` as every `AttackRecipe` does (documented there; other
    keywords of the base are passed on to it, `keep_shared_names` has no effect on
    model-agnostic recipes).

    # Parameters

    rate : `float`, optional (default = `0.1`, as `xfuse-perturb --rate`)
        Share of the translatable words of each perturbed sentence to replace, in [0, 1]. Any
        rate above 0 replaces at least one word per sentence that has a translatable word; 0
        leaves the text as is.
    dictionary_dir : `str`, optional (default = the shipped dictionaries)
        Directory of MUSE bilingual dictionaries `<src>-<tgt>.txt`.
    embedded_languages : `List[str]`, optional (default = all PAWS-X languages)
        Languages whose words may be mixed in; the sentence's language is left out of its own
        list.
    """


    def __init__(
        self,
        rate: float = 0.1,
        dictionary_dir: Optional[str] = None,
        embedded_languages: Optional[List[str]] = None,
        perturb: str = "both",
        keep_numbers: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(perturb=perturb, keep_numbers=keep_numbers, **kwargs)
        if not 0.0 <= rate <= 1.0:
            raise ConfigurationError(f"code_mix_random rate must be in [0, 1], not {rate}")
        self.rate = rate
        self.code_mixer = CodeMixer(dictionary_dir, embedded_languages)

    def check_language(self, language: str) -> None:
        """
        Also checks that the dictionaries for `language` exist, before any text is touched.

        # Parameters

        language : `str`
        """
        super().check_language(language)
        self.code_mixer.languages_for(language)

    def perturb_text(self, text: str, language: str, rng: random.Random) -> Tuple[str, int, int]:
        """
        Returns `(code-mixed text, number of words, number of replaced words)`.
        """
        spans = word_spans(text, language)
        if self.rate == 0.0:
            return text, len(spans), 0
        language_stopwords = stopwords(language)
        translatable = []
        for start, end in spans:
            word = text[start:end]
            if word in language_stopwords:
                continue
            if self.keep_numbers and any(char.isdigit() for char in word):
                continue
            options = self.code_mixer.replacements(word, language)
            if options:
                translatable.append((start, end, options))
        if not translatable:
            return text, len(spans), 0
        count = min(len(translatable), max(1, int(self.rate * len(translatable) + 0.5)))
        chosen = sorted(rng.sample(range(len(translatable)), count))
        pieces = []
        previous_end = 0
        for index in chosen:
            start, end, options = translatable[index]
            embedded = rng.choice(sorted(options))
            pieces.append(text[previous_end:start])
            pieces.append(options[embedded][0])
            previous_end = end
        pieces.append(text[previous_end:])
        return "".join(pieces), len(spans), count
