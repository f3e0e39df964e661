"""
What `allennlp xfuse-attack` and `allennlp xfuse-perturb` share: their common arguments, the
recipe from the command line, the summary at the end, and turning user errors into one clear
message and a non-zero exit instead of a stack trace.

Pure Python: importing this module must not import TextAttack.
"""
import argparse
import json
import logging
from typing import Any, Callable, Dict, List

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks.examples import Example
from allennlp_xfuse.attacks.recipe import PERTURB_CHOICES, AttackRecipe
from allennlp_xfuse.attacks.split_writer import example_key, read_records
from allennlp_xfuse.attacks.summary import format_table, summarize, write_summary
from allennlp_xfuse.commands.command_errors import exit_on_user_error

logger = logging.getLogger(__name__)


def add_common_arguments(subparser: argparse.ArgumentParser) -> None:
    """The arguments both subcommands take after their positional ones."""
    subparser.add_argument(
        "--output", required=True, help="the adversarial split to write (JSON lines)"
    )
    subparser.add_argument(
        "--num-examples",
        type=int,
        default=None,
        help="attack only the first N pairs of the input (default: all)",
    )
    subparser.add_argument("--seed", type=int, default=13, help="random seed")
    subparser.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run: skip the ids already in --output",
    )
    subparser.add_argument(
        "--perturb",
        choices=PERTURB_CHOICES,
        default="both",
        help="which sentence of each pair may change",
    )
    subparser.add_argument(
        "--language",
        default=None,
        help="language of the input (en de es fr ja ko zh); default: from the path",
    )
    subparser.add_argument(
        "--recipe-params",
        default="",
        help="JSON object of extra recipe arguments, e.g. "
        '\'{"masked_language_model": "/path/to/mlm"}\'',
    )


def build_recipe(spec: str, perturb: str, recipe_params: str, **params: Any) -> AttackRecipe:
    """The recipe `spec` with `--perturb`, `--recipe-params` and subcommand-specific `params`."""
    extra: Dict[str, Any] = {}
    if recipe_params:
        try:
            extra = json.loads(recipe_params)
        except json.JSONDecodeError as error:
            raise ConfigurationError(f"--recipe-params is not valid JSON: {error}") from None
        if not isinstance(extra, dict):
            raise ConfigurationError("--recipe-params must be a JSON object")
    return AttackRecipe.from_spec(spec, perturb=perturb, **params, **extra)


def finish(output: str, examples: List[Example], **run_info: Any) -> Dict[str, Any]:
    """
    Summarizes the records of `output` that belong to this run's `examples` (all of them when
    the run is complete), writes `<output>.summary.json` and prints the table.
    """
    keys = {example.key for example in examples}
    records = [
        record
        for record in read_records(output)
        if example_key(record.get("language"), record["id"]) in keys
    ]
    summary = summarize(records, output=output, **run_info)
    write_summary(output + ".summary.json", summary)
    print(format_table(summary))
    print(f"Split: {output}\nSummary: {output}.summary.json")
    return summary


def fail_cleanly(command: str) -> Callable:
    """
    Decorates a subcommand's function so that user errors (bad paths, unknown recipe or
    language, empty input...) end the process with `<command>: error: <message>` on stderr and
    exit status 2, as argparse does for bad arguments, and Ctrl-C with a note that `--resume`
    continues. Anything else keeps its traceback: it is a bug to report.
    """
    return exit_on_user_error(
        command,
        user_errors=(ConfigurationError, FileNotFoundError),
        on_interrupt="finished examples are saved, --resume continues.",
    )
