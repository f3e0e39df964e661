import json
from typing import Any, Dict, List, Optional

from allennlp.common.checks import ConfigurationError
from allennlp.common.from_params import takes_arg
from allennlp.common.util import JsonDict
from allennlp.data import DatasetReader, Instance
from allennlp.data.dataset_readers.dataset_utils.span_utils import bio_tags_to_spans
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor

from allennlp_xfuse.data.adversarial_split import json_type_name, snippet
from allennlp_xfuse.data.dataset_readers.panx_ner import PanxNerDatasetReader
from allennlp_xfuse.data.tagged_sentences import TaggedSentenceReader
from allennlp_xfuse.predictors.input_lines import parse_json_line, reader_name

_EXAMPLE = '{"words": ["Paris", "is", "nice"]} or {"sentence": "Paris is nice"}'


@Predictor.register("word_tagger")
class WordTaggerPredictor(Predictor):
    """
    Tags every word of a sentence in any language, for a NER or POS archive of this project
    (`crf_tagger` over the `panx` reader, `simple_tagger` over `ud_pos`, or any model whose
    `make_output_human_readable` gives `tags`).

    Registered as a `Predictor` with name "word_tagger".

    Input, one JSON object per line: `{"words": ["Paris", "is", "nice"]}`, or
    `{"sentence": "Paris is nice"}`, which is split on whitespace and nothing else: there is
    no language-specific tokenization (no spaCy model, nothing downloaded), so punctuation stays
    attached to its word ("nice." is one word) and a text without spaces (Chinese, Japanese,
    Thai) is one word: give such text as `words`. Optional `language` (a code such as "de") and
    `id` go to the instance's metadata, as the reader's own instances carry them.

    Output: `words` (exactly the words tagged), `tags` (one label string per word: the CRF's
    Viterbi path for `crf_tagger`, the argmax per word for `simple_tagger`), for a `panx`
    (NER) archive `spans`, the entities as `[type, start, end]` (word indices from 0, `end`
    inclusive, as AllenNLP's `bio_tags_to_spans` gives them) in order, and the `id` and
    `language` of the instance when it has them. `allennlp predict --use-dataset-reader` tags a
    PAN-X / CoNLL-U file with the archive's reader (ids are then `file:line`).

    Input that cannot be tagged as given (a line that is not JSON, not an object, with neither
    `words` nor `sentence` or both, `words` that are not a non-empty list of non-empty strings
    without whitespace, a blank `sentence`) is a `ConfigurationError` naming the input line and
    the key: a word with a space in it would be one word to the model but two in any file of
    the task, and an empty one would be tagged from nothing. `allennlp predict` gives
    `load_line` no line number, so the predictor counts the lines it is given: blank lines,
    which `allennlp predict` skips, are not counted.

    # Parameters

    model : `Model`
        The tagger.
    dataset_reader : `DatasetReader`
        The reader the model was trained with: a tagging reader (`panx`, `ud_pos`), whose
        `text_to_instance` makes the instances, so the words reach the model exactly as in
        training and evaluation. A sentence-pair reader (`pawsx`, `xnli`) is a
        `ConfigurationError` saying to use `--predictor pawsx`.
    frozen : `bool`, optional (default = `True`)
        Put the model in evaluation mode, as AllenNLP's `Predictor` does.
    """

    def __init__(self, model: Model, dataset_reader: DatasetReader, frozen: bool = True) -> None:
        check_word_reader(dataset_reader)
        super().__init__(model, dataset_reader, frozen)
        self._lines_read = 0
        self._spans = isinstance(dataset_reader, PanxNerDatasetReader)

    def predict(self, words: List[str], language: Optional[str] = None) -> JsonDict:
        inputs: JsonDict = {"words": words}
        if language is not None:
            inputs["language"] = language
        return self.predict_json(inputs)

    def load_line(self, line: str) -> JsonDict:
        """
        The input object of one line of `allennlp predict`'s input; a line that does not give
        words to tag is a `ConfigurationError` naming the line and what is wrong.
        """
        self._lines_read += 1
        where = f"input line {self._lines_read} (blank lines not counted)"
        json_dict = parse_json_line(line, where, _EXAMPLE)
        input_words(json_dict, where, line)
        return json_dict

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        words = input_words(json_dict, "predictor input")
        reader = self._dataset_reader
        extras = {key: json_dict[key] for key in ("language", "id")
                  if json_dict.get(key) is not None and takes_arg(reader.text_to_instance, key)}
        return reader.text_to_instance(words, **extras)

    def predict_instance(self, instance: Instance) -> JsonDict:
        return self._tagged(instance, super().predict_instance(instance))

    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        outputs = super().predict_batch_instance(instances)
        return [self._tagged(instance, output) for instance, output in zip(instances, outputs)]

    def _tagged(self, instance: Instance, output: Dict[str, Any]) -> JsonDict:
        if "tags" not in output:
            raise ConfigurationError(
                f"the word_tagger predictor needs a model whose output has 'tags' (crf_tagger, "
                f"simple_tagger); this archive's model ({type(self._model).__name__}) gives "
                f"{', '.join(sorted(output))}. Leave out --predictor to use the model's own."
            )
        metadata = instance["metadata"].metadata  # type: ignore[attr-defined]
        words = list(metadata["words"])
        # simple_tagger decodes every position of a padded batch: a shorter sentence's output
        # has tags for the padding too, which are not words.
        tags = list(output["tags"][: len(words)])
        result: JsonDict = {"words": words, "tags": tags}
        if self._spans:
            spans = bio_tags_to_spans(tags)
            result["spans"] = [[label, start, end] for label, (start, end) in
                               sorted(spans, key=lambda span: span[1])]
        for key in ("id", "language"):
            if metadata.get(key) is not None:
                result[key] = metadata[key]
        return result


def check_word_reader(dataset_reader: DatasetReader) -> None:
    """
    Raises a `ConfigurationError` unless `dataset_reader` is a tagging reader (`panx`,
    `ud_pos`), so that `--predictor word_tagger` on a classifier's archive says so once,
    instead of a `TypeError` on the first input line.

    # Parameters

    dataset_reader : `DatasetReader`
        The archive's dataset reader.
    """
    if isinstance(dataset_reader, TaggedSentenceReader):
        return
    name = reader_name(dataset_reader)
    if takes_arg(dataset_reader.text_to_instance, "sentence1"):
        raise ConfigurationError(
            f"the word_tagger predictor tags words, but this archive's dataset reader is "
            f"{name!r}, which reads sentence pairs (a PAWS-X / XNLI classifier's archive). Use "
            f'--predictor pawsx (input {{"sentence1": "...", "sentence2": "..."}}), or pass a '
            f"NER / POS tagger archive (dataset reader panx or ud_pos)."
        )
    raise ConfigurationError(
        f"the word_tagger predictor tags words for archives whose dataset reader is panx or "
        f"ud_pos, but this archive's is {name!r}. Pass a NER / POS tagger archive, or leave out "
        f"--predictor to use the model's own."
    )


def input_words(json_dict: Any, where: str, line: Optional[str] = None) -> List[str]:
    """
    The words to tag in one input: its `words`, or its `sentence` split on whitespace. Raises
    a `ConfigurationError` naming `where` and the key unless `json_dict` is an object with
    exactly one of them, `words` a non-empty list of non-empty strings without whitespace,
    `sentence` a string with text in it, and `language` (optional) a string.

    # Parameters

    json_dict : `Any`
        One input, as parsed from JSON.
    where : `str`
        What the input is, for the message ("input line 3 (blank lines not counted)").
    line : `str`, optional (default = `None`)
        The text the input was parsed from, quoted (shortened) in the message.
    """
    shown = snippet((line if line is not None else json.dumps(json_dict, default=str)).rstrip())

    def bad(problem: str, fix: str) -> ConfigurationError:
        return ConfigurationError(f"{where} {problem}: {shown}. {fix}: {_EXAMPLE}.")

    if not isinstance(json_dict, dict):
        raise ConfigurationError(
            f"{where} is a JSON {json_type_name(json_dict)}, not an object: {shown}. Write one "
            f"JSON object per line: {_EXAMPLE}."
        )
    words, sentence = json_dict.get("words"), json_dict.get("sentence")
    give = "Give the words as a list of strings, or the text as a string to split on whitespace"
    if words is None and sentence is None:
        raise bad("has neither 'words' nor 'sentence'", give)
    if words is not None and sentence is not None:
        # which one the user meant cannot be told when they differ
        raise bad("has both 'words' and 'sentence'", "Give one of them")
    language = json_dict.get("language")
    if language is not None and not isinstance(language, str):
        raise bad(f"has a JSON {json_type_name(language)} for 'language', not a string",
                  'Give a language code such as "de", or leave it out')
    if sentence is not None:
        if not isinstance(sentence, str):
            raise bad(f"has a JSON {json_type_name(sentence)} for 'sentence', not a string",
                      "Give the sentence as a string, or a list of words as 'words'")
        if not sentence.strip():
            raise bad("has an empty 'sentence'", "Give a sentence with words in it")
        return sentence.split()
    if not isinstance(words, list):
        raise bad(f"has a JSON {json_type_name(words)} for 'words', not a list", give)
    if not words:
        raise bad("has an empty 'words' list", "Give at least one word")
    fix = "Give each word as a non-empty string without whitespace"
    for number, word in enumerate(words, 1):
        if not isinstance(word, str):
            raise bad(f"has a JSON {json_type_name(word)} as word {number} of 'words', not a "
                      f"string", fix)
        if not word.strip():
            raise bad(f"has an empty word {number} in 'words'", fix)
        if any(char.isspace() for char in word):
            # the task's files never have one: the model would tag "New York" as one word
            raise bad(f"has whitespace in word {number} of 'words' ({word!r})",
                      f"{fix} (one list item per word)")
    return words
