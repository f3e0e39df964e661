"""Make `import textattack` work offline.

TextAttack builds `StopwordModification()` at import time, which reads NLTK's `stopwords`
corpus. This script puts that corpus into `<sys.prefix>/nltk_data` (a directory NLTK searches
by default, so the data lives and dies with the virtualenv): it tries NLTK's downloader first
and, when there is no route to the NLTK data host, writes the same corpus layout (one file per
language, one word per line) from the `stop-words` PyPI package.
"""

import os
import socket
import sys


def _download(target: str) -> bool:
    import nltk

    socket.setdefaulttimeout(10)
    try:
        return bool(
            nltk.download("stopwords", download_dir=target, quiet=True, raise_on_error=True)
        )
    except Exception as error:  # any network or server failure means: build it locally
        print(
            f"nltk.download('stopwords') failed ({error.__class__.__name__}); "
            "building the corpus from the stop-words package"
        )
        return False


def _build_from_stop_words(target: str) -> None:
    import stop_words

    corpus_dir = os.path.join(target, "corpora", "stopwords")
    os.makedirs(corpus_dir, exist_ok=True)
    for language in stop_words.AVAILABLE_LANGUAGES:
        words = stop_words.get_stop_words(language)
        path = os.path.join(corpus_dir, language)
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            out.write("\n".join(words) + "\n")
        os.replace(path + ".tmp", path)
    with open(os.path.join(corpus_dir, "README"), "w", encoding="utf-8") as out:
        out.write("Built by allennlp-xfuse from the stop-words package (offline install).\n")


def main() -> None:
    target = os.path.join(sys.prefix, "nltk_data")
    corpus = os.path.join(target, "corpora", "stopwords", "english")
    if os.path.exists(corpus) or os.path.exists(os.path.join(target, "corpora", "stopwords.zip")):
        print(f"NLTK stopwords already present under {target}")
        return
    if not _download(target):
        _build_from_stop_words(target)
    print(f"NLTK stopwords installed under {target}")


if __name__ == "__main__":
    main()
