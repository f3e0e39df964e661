from typing import Any, Dict, List

from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict
from allennlp.data import Instance
from allennlp.predictors.predictor import Predictor


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
    """

    def predict(self, sentence1: str, sentence2: str) -> JsonDict:
        return self.predict_json({"sentence1": sentence1, "sentence2": sentence2})

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        missing = [key for key in ("sentence1", "sentence2") if not json_dict.get(key)]
        if missing:
            raise ConfigurationError(
                f"PAWS-X predictor input needs non-empty 'sentence1' and 'sentence2'; "
                f"missing or empty: {missing} in {json_dict!r}"
            )
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
