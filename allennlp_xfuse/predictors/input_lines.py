"""
What the project's predictors share about `allennlp predict`'s input: parsing one JSON line with
an error that names the line, and the registered name of an archive's reader for messages.
"""
import json
from typing import Any

from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader

from allennlp_xfuse.data.adversarial_split import snippet


def parse_json_line(line: str, where: str, example: str) -> Any:
    """
    The JSON value of one input line; a line that is not JSON is a `ConfigurationError` naming
    `where` it is, what the parser met, and the `example` of a good line.

    # Parameters

    line : `str`
        The line as `allennlp predict` read it.
    where : `str`
        E.g. "input line 3 (blank lines not counted)".
    example : `str`
        A good input line, for the message.
    """
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise ConfigurationError(
            f"{where} is not JSON ({error.msg} at column {error.colno}): "
            f"{snippet(line.rstrip())}. Write one JSON object per line: {example}."
        ) from None


def reader_name(dataset_reader: DatasetReader) -> str:
    """
    The name `dataset_reader`'s class is registered under (its class name if none).

    # Parameters

    dataset_reader : `DatasetReader`
    """
    kind = type(dataset_reader)
    return next((name for name, (subclass, _) in DatasetReader._registry[DatasetReader].items()
                 if subclass is kind), kind.__name__)
