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

Upstream break (textattack 0.3.11, `textattack/shared/utils/install.py`): importing TextAttack
sets `TOKENIZERS_PARALLELISM=True` for the whole process. That switches off the tokenizers
library's protection of forked children, so a child forked after the fast tokenizer's thread
pool has started (an AllenNLP data-loader worker, `num_workers > 0`) waits forever for threads
that only exist in its parent (seen in `allennlp evaluate --include-package allennlp_xfuse`,
which imports every module, TextAttack included). `_undo_textattack_tokenizers_setting` puts
the variable back before every fork.
"""
import contextlib
import os
from typing import Iterator, Optional

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


_TOKENIZERS_PARALLELISM = "TOKENIZERS_PARALLELISM"
# What TextAttack's import writes.
_TEXTATTACK_PARALLELISM = "True"
# The variable as this process had it when allennlp_xfuse was imported (normally before
# TextAttack, which the attack modules import).
_parallelism_before_textattack: Optional[str] = os.environ.get(_TOKENIZERS_PARALLELISM)


def _undo_textattack_tokenizers_setting() -> None:
    """
    Before a fork: if `TOKENIZERS_PARALLELISM` holds what TextAttack's import wrote and held
    something else before, put that back, so that the tokenizers library's own fork handler
    protects the child as it was meant to (it turns the child's parallelism off, and says so,
    when the parent's thread pool has run). A value set in any other way is left alone.
    """
    current = os.environ.get(_TOKENIZERS_PARALLELISM)
    if current != _TEXTATTACK_PARALLELISM or current == _parallelism_before_textattack:
        return
    if _parallelism_before_textattack is None:
        del os.environ[_TOKENIZERS_PARALLELISM]
    else:
        os.environ[_TOKENIZERS_PARALLELISM] = _parallelism_before_textattack


os.register_at_fork(before=_undo_textattack_tokenizers_setting)
