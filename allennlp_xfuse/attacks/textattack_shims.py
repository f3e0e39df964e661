"""
The one place where allennlp-xfuse changes TextAttack's behaviour from outside.

Upstream break (textattack 0.3.11): word segmentation is not a parameter. `AttackedText` calls
the module-level `words_from_text` of `textattack.shared.attacked_text`, and transformations call
`textattack.shared.utils.words_from_text`; for any text with Han characters that function uses
jieba, which splits Japanese kana into one-character "words". No constructor argument or
subclass hook reaches those call sites, so the Japanese segmentation (and, for code-mixed text,
a segmentation that keeps words of other scripts whole) is swapped in around an attack and
restored afterwards. The same holds for scripts with combining marks (Devanagari, Thai, Arabic
vowel marks), which TextAttack's word pattern cuts words at.
"""
import contextlib
from typing import Iterator

from allennlp_xfuse.attacks.resources import check_language
from allennlp_xfuse.attacks.segmentation import (
    COMBINING_MARK_LANGUAGES,
    code_mixed_words,
    japanese_words_from_text,
    marked_words_from_text,
)


@contextlib.contextmanager
def use_segmentation(language: str, code_mixed: bool = False) -> Iterator[None]:
    """
    Makes TextAttack segment words the `language` way inside the `with` block.

    TextAttack has no parameter for word segmentation: `AttackedText` calls the module-level
    `words_from_text` of `textattack.shared.attacked_text`, and transformations call
    `textattack.shared.utils.words_from_text`. For ja this swaps those names for
    `japanese_words_from_text` and restores them on exit (attacks run one at a time in the
    attack command, so the swap is never seen by unrelated code); for the languages whose
    words carry combining marks (`COMBINING_MARK_LANGUAGES`: hi, th, ar, ur...) it swaps in
    `marked_words_from_text`. For every other language
    TextAttack's own segmentation already matches `word_spans` and nothing is changed, unless
    `code_mixed`: then `code_mixed_words` (TextAttack hands any text with a Han character to
    jieba, so one Chinese word mixed into a Korean or German sentence would re-segment all of
    it).

    # Parameters

    language : `str`
        The language of the attacked text.
    code_mixed : `bool`, optional (default = `False`)
        Whether the text may hold words of other languages (the `code_mix` recipe).
    """
    check_language(language)
    if language == "ja":
        segmentation = japanese_words_from_text
    elif code_mixed:
        def segmentation(text, words_to_ignore=()):
            return code_mixed_words(text, language, words_to_ignore)
    elif language in COMBINING_MARK_LANGUAGES:
        # TextAttack's word pattern leaves out Devanagari/Thai vowel signs and Arabic vowel
        # marks, cutting one word into several ("ट्रेन" -> three pieces)
        segmentation = marked_words_from_text
    else:
        yield
        return
    import textattack.shared.attacked_text as attacked_text_module
    import textattack.shared.utils as utils_package
    import textattack.shared.utils.strings as strings_module

    modules = (attacked_text_module, utils_package, strings_module)
    originals = [module.words_from_text for module in modules]
    try:
        for module in modules:
            module.words_from_text = segmentation
        yield
    finally:
        for module, original in zip(modules, originals):
            module.words_from_text = original
