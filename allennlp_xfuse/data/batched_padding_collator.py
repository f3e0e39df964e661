"""
A `DataCollator` that pads a batch's transformer inputs in one array per key, not one tensor
per instance.
"""
from typing import Dict, List, Optional

import numpy
import torch
from allennlp.data import Batch, Instance
from allennlp.data.data_loaders.data_collator import DataCollator
from allennlp.data.data_loaders.data_loader import TensorDict
from allennlp.data.fields import TextField
from allennlp.data.token_indexers import PretrainedTransformerIndexer


@DataCollator.register("batched_padding")
class BatchedPaddingCollator(DataCollator):
    """
    Makes the tensors AllenNLP's default collator (`allennlp_collate`) makes, with the same
    keys, shapes, dtypes and padding values, faster for the `TextField`s a
    `PretrainedTransformerIndexer` indexes (the `pawsx` and `xnli` readers' `tokens`).

    The default collator turns every field of every instance into its own padded tensors
    (`PretrainedTransformerIndexer.as_padded_tensor_dict`: three tensors from three Python
    lists per pair) and stacks them. That per-instance work was the largest cost of the input
    side of `allennlp evaluate` after the tokenizer: for the 14,000 real PAWS-X dev pairs,
    1.4 s of 5.2 s on one CPU core. On a GPU the main process does it between the model's
    batches, so it decides how busy the GPU is. This collator writes each key's ids of the
    whole batch into one padded NumPy array and makes one tensor of it.

    Every other field (labels, metadata, the tagging readers' mismatched indexers, any other
    indexer) is batched by its own `Field` methods, as the default collator does, and a batch
    whose fields disagree in type fails with the default collator's error.

    Registered as a `DataCollator` with name "batched_padding"; set it in a config as
    `data_loader: {collate_fn: {type: "batched_padding"}}` (a config without it keeps
    AllenNLP's default collator, so older archives load unchanged).
    """

    def __call__(self, instances: List[Instance]) -> TensorDict:
        # `Batch` checks that the instances have the same fields of the same types, and finds
        # each field's padding lengths exactly as the default collator does.
        batch = Batch(instances)
        padding_lengths = batch.get_padding_lengths()
        tensors: TensorDict = {}
        for name, first in instances[0].fields.items():
            fields = [instance.fields[name] for instance in instances]
            lengths = padding_lengths.get(name, {})
            field_tensors = None
            if isinstance(first, TextField):
                field_tensors = _batched_text_tensors(fields, lengths)  # type: ignore[arg-type]
            if field_tensors is None:
                field_tensors = first.batch_tensors([field.as_tensor(lengths) for field in fields])
            tensors[name] = field_tensors
        return tensors


def _batched_text_tensors(
    fields: List[TextField], padding_lengths: Dict[str, int]
) -> Optional[Dict[str, Dict[str, torch.Tensor]]]:
    """
    `TextField.batch_tensors([field.as_tensor(padding_lengths) for field in fields])` in one
    array per indexer and key, or `None` where a field's indexers are not all
    `PretrainedTransformerIndexer`s (whose output is one flat list per key, padded with a
    constant).

    # Parameters

    fields : `List[TextField]`
        The indexed fields of one name, one per instance.
    padding_lengths : `Dict[str, int]`
        The batch's lengths, keyed `"<indexer name>___<key>"` as `TextField` names them.
    """
    indexers = fields[0].token_indexers
    # The exact class: a subclass may pad in its own way. One set of indexers for the batch:
    # a reader sets the same on every instance.
    if not all(
        type(indexer) is PretrainedTransformerIndexer for indexer in indexers.values()
    ) or any(field.token_indexers is not indexers for field in fields):
        return None
    tensors: Dict[str, Dict[str, torch.Tensor]] = {}
    for indexer_name, indexer in indexers.items():
        # AllenNLP 2.10.1, its last release, keeps a field's indexed lists in `_indexed_tokens`
        # and has no public accessor but `as_tensor`, the per-instance path this replaces.
        indexed = [field._indexed_tokens[indexer_name] for field in fields]  # type: ignore
        tensors[indexer_name] = {}
        for key, first_values in indexed[0].items():
            length = padding_lengths[f"{indexer_name}___{key}"]
            if not first_values:
                # The indexer's dtype for a key can depend on its first value (bool or int).
                return None
            # The indexer's own padding of the first row, one position longer than its
            # values: its dtype and padding value for this key, whatever they are.
            probe = indexer.as_padded_tensor_dict(
                {key: first_values}, {key: len(first_values) + 1}
            )[key]
            array = numpy.full(
                (len(fields), length), probe[-1].item(), dtype=probe.numpy().dtype
            )
            for row, field_indexed in enumerate(indexed):
                values = field_indexed[key]
                array[row, : len(values)] = values
            tensors[indexer_name][key] = torch.from_numpy(array)
    return tensors
