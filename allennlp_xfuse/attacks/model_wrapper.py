"""
A TextAttack `ModelWrapper` over an AllenNLP model and its dataset reader.

Imports TextAttack at module level: import this module only where an attack runs.
"""
from typing import List, Sequence, Tuple, Union

import numpy as np
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance, Vocabulary
from allennlp.models import Model
from allennlp.models.archival import load_archive
from allennlp.nn.util import move_to_device
from textattack.models.wrappers import ModelWrapper
from textattack.shared import AttackedText

from allennlp_xfuse.data.batched_padding_collator import BatchedPaddingCollator
from allennlp_xfuse.data.xnli_files import XNLI_LABELS

TextInput = Union[Tuple[str, str], str]


def dataset_label_order(vocab: Vocabulary, namespace: str = "labels") -> List[int]:
    """
    The model's output index of every dataset label, in dataset order: element `j` is the index of
    dataset label `j`, i.e. of label `str(j)` (PAWS-X, and any task labelled "0" .. "K-1") or of
    `XNLI_LABELS[j]` (XNLI: entailment, neutral, contradiction). AllenNLP numbers labels by
    frequency in the training data, so label "1" can well be index 0; TextAttack's ground truth
    is the dataset label.

    Raises a `ConfigurationError` when the labels are neither "0" .. "K-1" nor XNLI's.

    # Parameters

    vocab : `Vocabulary`
        The model's vocabulary.
    namespace : `str`, optional (default = `"labels"`)
        The namespace of the labels.
    """
    token_to_index = vocab.get_token_to_index_vocabulary(namespace)
    numeric = tuple(str(j) for j in range(len(token_to_index)))
    for names in (numeric, XNLI_LABELS):
        if set(token_to_index) == set(names):
            return [token_to_index[name] for name in names]
    raise ConfigurationError(
        f"The model's {namespace!r} vocabulary is {sorted(token_to_index)}; the attacks need "
        f"dataset labels 0..K-1 as strings (PAWS-X: '0', '1') or XNLI's "
        f"{', '.join(repr(name) for name in XNLI_LABELS)}."
    )


class AllenNlpModelWrapper(ModelWrapper):
    """
    Lets TextAttack query an AllenNLP classifier of sentence pairs (e.g. `basic_classifier` on
    the `pawsx` or `xnli` reader). Its columns are the dataset labels in dataset order
    (`dataset_label_order`), whatever order the model's vocabulary has.

    Every query goes through the model's own reader (`text_to_instance(sentence1, sentence2)`
    and `apply_token_indexers`, so truncation and special tokens are those of training) and the
    model's forward pass as `Model.forward_on_instances` runs it, in batches of `batch_size`:
    padding is dynamic, to the longest pair of the batch; gradients are off; the model stays in
    eval mode on its own device.

    # Parameters

    model : `Model`
        A classifier returning `probs` (or `logits`) of shape `(batch_size, num_labels)`.
    dataset_reader : `DatasetReader`
        The reader the model was trained with; needs `text_to_instance(sentence1, sentence2)`.
    batch_size : `int`, optional (default = `32`)
        Pairs per forward pass.
    """

    def __init__(self, model: Model, dataset_reader: DatasetReader, batch_size: int = 32) -> None:
        # TextAttack reads `.model` (to check goal-function compatibility and move modules).
        self.model = model
        self.dataset_reader = dataset_reader
        self.batch_size = batch_size
        self.label_order = dataset_label_order(model.vocab)
        self._collate = BatchedPaddingCollator()
        self.model.eval()

    @property
    def unk_token(self) -> str:
        """The unknown token of the reader's transformer tokenizer ("[UNK]" if it has none)."""
        # PretrainedTransformerTokenizer keeps the Hugging Face tokenizer in `.tokenizer`
        tokenizer = getattr(self.dataset_reader, "_tokenizer", None)
        return getattr(getattr(tokenizer, "tokenizer", None), "unk_token", None) or "[UNK]"

    @classmethod
    def from_archive(
        cls, archive_file: str, cuda_device: int = -1, batch_size: int = 32
    ) -> "AllenNlpModelWrapper":
        """
        Loads `archive_file` (a `model.tar.gz`) on `cuda_device` with its validation reader.
        """
        archive = load_archive(archive_file, cuda_device=cuda_device)
        return cls(archive.model, archive.validation_dataset_reader, batch_size=batch_size)

    def __call__(self, text_input_list: Sequence[TextInput]) -> np.ndarray:
        """
        Returns the probability of every dataset label for each input, shape
        `(len(text_input_list), num_labels)`: column `j` is the probability of dataset label
        `j` (PAWS-X: label `str(j)`; XNLI: `XNLI_LABELS[j]`).

        Inputs follow TextAttack's pair convention: a `(sentence1, sentence2)` tuple per pair
        (what `AttackedText.tokenizer_input` gives for two columns), or one string with the two
        sentences joined by `AttackedText.SPLIT_TOKEN`.
        """
        pairs = [self._as_pair(text_input) for text_input in text_input_list]
        batches = []
        for start in range(0, len(pairs), self.batch_size):
            instances = self._instances(pairs[start : start + self.batch_size])
            for instance in instances:
                self.dataset_reader.apply_token_indexers(instance)
            batches.append(self._probabilities(instances))
        if not batches:
            return np.zeros((0, len(self.label_order)))
        return np.concatenate(batches)

    def _instances(self, pairs: Sequence[Tuple[str, str]]) -> List[Instance]:
        """
        The reader's instances of `pairs`: one batched tokenizer call for the whole query batch
        when the reader offers it (`pawsx`'s `pairs_to_instances`, the same instances as
        `text_to_instance`), else one `text_to_instance` per pair (any other pair reader).

        # Parameters

        pairs : `Sequence[Tuple[str, str]]`
        """
        batched = getattr(self.dataset_reader, "pairs_to_instances", None)
        if batched is not None:
            return batched(pairs)
        return [self.dataset_reader.text_to_instance(first, second) for first, second in pairs]

    def _probabilities(self, instances: List[Instance]) -> np.ndarray:
        # What `Model.forward_on_instances` does (a `Batch` padded to its longest pair, on the
        # model's device, without gradients) minus `make_output_human_readable`: attacks only
        # need the probabilities, and turning every query's token ids back into strings costs
        # time per query (and fails for models whose token namespace is not in the vocabulary).
        # The tensors are the default collator's, padded in one array per key.
        with torch.no_grad():
            for instance in instances:
                instance.index_fields(self.model.vocab)
            device = next(self.model.parameters()).device
            output = self.model(**move_to_device(self._collate(instances), device))
        if "probs" in output:
            scores = output["probs"].double()
        elif "logits" in output:
            scores = torch.softmax(output["logits"].double(), dim=-1)
        else:
            raise ConfigurationError(
                f"The model returned {sorted(output)}; the attacks need 'probs' or 'logits'."
            )
        scores = scores[:, self.label_order].cpu()
        # float64 and renormalised: TextAttack re-applies softmax to rows that do not sum to 1
        # within 1e-6, which float32 probabilities can miss
        return (scores / scores.sum(dim=-1, keepdim=True)).numpy()

    @staticmethod
    def _as_pair(text_input: TextInput) -> Tuple[str, str]:
        if isinstance(text_input, str):
            parts = text_input.split(AttackedText.SPLIT_TOKEN)
        else:
            parts = list(text_input)
        if len(parts) != 2:
            raise ValueError(
                "Expected a sentence pair: a (sentence1, sentence2) tuple or two sentences "
                f"joined by {AttackedText.SPLIT_TOKEN!r}; got {text_input!r}"
            )
        return parts[0], parts[1]
