import copy
import json
from typing import Any, Dict, List, Optional

from allennlp.common.checks import ConfigurationError
from allennlp.common.from_params import takes_arg
from allennlp.common.util import JsonDict
from allennlp.data import DatasetReader, Instance
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor

from allennlp_xfuse.data.adversarial_split import json_type_name, snippet
from allennlp_xfuse.predictors.input_lines import parse_json_line, reader_name

_EXAMPLE = '{"sentence1": "...", "sentence2": "..."}'


@Predictor.register("pawsx")
class PawsxPredictor(Predictor):
    """
    Predicts whether two sentences are paraphrases, for a model trained on PAWS-X pairs (any
    classifier that outputs `probs`, e.g. `basic_classifier`).

    Registered as a `Predictor` with name "pawsx".

    Input: `{"sentence1": str, "sentence2": str}` (extra keys such as `id` or `language` are
    passed to the reader when it accepts them). Output: the model's outputs plus `label` (the
    predicted dataset label, "0" or "1") and `label_probs`, the probability of every label keyed
    by the label itself, so consumers need not know the model's vocabulary order.

    Input that is not such an object (a line that is not JSON, a JSON array, a sentence that is
    missing, blank or not a string) is a `ConfigurationError` naming the key and the input:
    a blank sentence would otherwise be classified from the special tokens alone, with
    confidence. `allennlp predict` gives `load_line` no line number, so the predictor counts
    the lines it is given: blank lines, which `allennlp predict` skips, are not counted.

    # Parameters

    model : `Model`
        The classifier.
    dataset_reader : `DatasetReader`
        The reader the model was trained with (`pawsx`, `xnli` or `adversarial_pawsx`): one
        whose `text_to_instance` takes a sentence pair (a tagger's reader, `panx` or `ud_pos`,
        is a `ConfigurationError` saying which predictor to use instead). The predictor
        keeps a copy with `require_labels` off, so `allennlp predict --use-dataset-reader`
        reads unlabeled files too, and the archive's own reader still requires labels.
    frozen : `bool`, optional (default = `True`)
        Put the model in evaluation mode, as AllenNLP's `Predictor` does.
    """

    def __init__(self, model: Model, dataset_reader: DatasetReader, frozen: bool = True) -> None:
        check_pair_reader(dataset_reader)
        if hasattr(dataset_reader, "_require_labels"):
            # A copy: the archive's reader may also serve evaluations, which need labels.
            dataset_reader = copy.copy(dataset_reader)
            dataset_reader._require_labels = False  # type: ignore[attr-defined]
        super().__init__(model, dataset_reader, frozen)
        self._lines_read = 0

    def predict(self, sentence1: str, sentence2: str) -> JsonDict:
        return self.predict_json({"sentence1": sentence1, "sentence2": sentence2})

    def load_line(self, line: str) -> JsonDict:
        """
        The input object of one line of `allennlp predict`'s input; a line that is not a JSON
        object with two sentences is a `ConfigurationError` naming the line and what is wrong.
        """
        self._lines_read += 1
        where = f"input line {self._lines_read} (blank lines not counted)"
        json_dict = parse_json_line(line, where, _EXAMPLE)
        check_pair_input(json_dict, where, line)
        return json_dict

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        check_pair_input(json_dict, "predictor input")
        extras = {key: json_dict[key] for key in ("id", "language") if key in json_dict}
        return self._dataset_reader.text_to_instance(
            sentence1=json_dict["sentence1"], sentence2=json_dict["sentence2"], **extras
        )

    def predict_instance(self, instance: Instance) -> JsonDict:
        return self._with_label_probs(super().predict_instance(instance))

    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        return [
            self._with_label_probs(output) for output in super().predict_batch_instance(instances)
        ]

    def _with_label_probs(self, output: Dict[str, Any]) -> Dict[str, Any]:
        labels = self._model.vocab.get_index_to_token_vocabulary("labels")
        output["label_probs"] = {labels[index]: prob for index, prob in enumerate(output["probs"])}
        output["label"] = max(output["label_probs"], key=output["label_probs"].get)
        return output


def check_pair_reader(dataset_reader: DatasetReader) -> None:
    """
    Raises a `ConfigurationError` unless `dataset_reader` makes instances from a sentence pair
    (its `text_to_instance` takes `sentence1`), so that `allennlp predict --predictor pawsx` on
    a tagger's archive says so once, instead of a `TypeError` on the first input line.

    # Parameters

    dataset_reader : `DatasetReader`
        The archive's dataset reader.
    """
    if takes_arg(dataset_reader.text_to_instance, "sentence1"):
        return
    raise ConfigurationError(
        f"the pawsx predictor classifies sentence pairs, but this archive's dataset reader is "
        f"{reader_name(dataset_reader)!r}, which does not read pairs (a tagger's archive: ner / "
        f'pos). Use --predictor word_tagger (input {{"words": [...]}} or {{"sentence": "..."}}), '
        "or pass a PAWS-X / XNLI classifier archive."
    )


def check_pair_input(json_dict: Any, where: str, line: Optional[str] = None) -> None:
    """
    Raises a `ConfigurationError` unless `json_dict` is an object whose `sentence1` and
    `sentence2` are strings with text in them.

    # Parameters

    json_dict : `Any`
        One input, as parsed from JSON.
    where : `str`
        What the input is, for the message ("input line 3 (blank lines not counted)").
    line : `str`, optional (default = `None`)
        The text the input was parsed from, quoted (shortened) in the message.
    """
    shown = snippet((line if line is not None else json.dumps(json_dict, default=str)).rstrip())
    if not isinstance(json_dict, dict):
        raise ConfigurationError(
            f"{where} is a JSON {json_type_name(json_dict)}, not an object: {shown}. Write one "
            f"JSON object per line: {_EXAMPLE}."
        )
    for key in ("sentence1", "sentence2"):
        value = json_dict.get(key)
        if key not in json_dict or value is None:
            problem = f"has no {key!r}"
        elif not isinstance(value, str):
            problem = f"has a JSON {json_type_name(value)} for {key!r}, not a string"
        elif not value.strip():
            problem = f"has an empty {key!r}"
        else:
            continue
        raise ConfigurationError(
            f"{where} {problem}: {shown}. Give both sentences as non-empty strings: {_EXAMPLE}."
        )

