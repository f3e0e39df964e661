"""
What the `xfuse-*` subcommands share on the command line: turning user errors into one-line
messages and exit codes instead of tracebacks, the arguments of `xfuse-attack` and
`xfuse-perturb`, the recipe they name, and the summary table they print at the end.

Argument parsing, printing and exit handling live in `allennlp_xfuse.commands` and only here;
the library packages raise exceptions and return values.
"""
import argparse
import functools
import hashlib
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, Union

from allennlp.common.checks import ConfigurationError

# `reading_archive` is here for every subcommand that loads an archive (xfuse-inspect too):
# `with reading_archive(args.archive_file): load_archive(...)` names a truncated archive.
from allennlp_xfuse.archive_safety import reading_archive  # noqa: F401
from allennlp_xfuse.attacks.recipes import PERTURB_CHOICES, AttackRecipe
from allennlp_xfuse.data.adversarial_split import (
    read_split,
    record_key,
    summarize,
    summary_path,
    write_summary,
)
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES, XNLI_LANGUAGES

#: What a user can get wrong: a missing file, a bad configuration or argument value.
USER_ERRORS: Tuple[Type[Exception], ...] = (ConfigurationError, FileNotFoundError, ValueError)

#: The user errors of the attack commands. `ValueError` is left out on purpose: their own
#: input checks raise `ConfigurationError`, so a `ValueError` during an attack comes from
#: TextAttack or the model, which is a bug to report with its traceback, not a message.
ATTACK_USER_ERRORS: Tuple[Type[Exception], ...] = (ConfigurationError, FileNotFoundError)

#: Columns of the printed attack summary: (summary key, header).
SUMMARY_COLUMNS = (
    ("examples", "examples"),
    ("original_accuracy", "orig acc %"),
    ("accuracy_under_attack", "attacked acc %"),
    ("attack_success_rate", "success %"),
    ("skipped", "skipped"),
    ("avg_perturbed_word_percent", "perturbed words %"),
    ("avg_num_queries", "avg queries"),
)


def exit_on_user_error(
    command: str,
    user_errors: Tuple[Type[Exception], ...] = USER_ERRORS,
    on_interrupt: Optional[Union[str, Callable[[argparse.Namespace], str]]] = None,
) -> Callable:
    """
    Decorates a subcommand function: a user error ends the process with
    `allennlp <command>: error: <message>` on stderr and exit status 2 (as argparse does for bad
    arguments); other exceptions keep their traceback, since they are bugs.

    # Parameters

    command : `str`
        The subcommand's name, for the message.
    user_errors : `Tuple[Type[Exception], ...]`, optional (default = `USER_ERRORS`)
        The exceptions that are the user's to fix.
    on_interrupt : `Union[str, Callable[[argparse.Namespace], str]]`, optional (default = `None`)
        With it, Ctrl-C ends the process with `allennlp <command>: interrupted; <on_interrupt>`
        on stderr and exit status 130 (128 + SIGINT, as shells report it) instead of a
        traceback; a callable gets the command's arguments, to name its files.
    """
    interrupts: Tuple[Type[BaseException], ...] = (
        (KeyboardInterrupt,) if on_interrupt is not None else ()
    )

    def decorator(function: Callable[[argparse.Namespace], Any]) -> Callable:
        @functools.wraps(function)
        def wrapper(args: argparse.Namespace) -> Any:
            try:
                return function(args)
            except user_errors as error:
                # one line: a message that carries its cause's line breaks (jsonnet's) would
                # leave a lone ")" as the last line a user sees
                message = " ".join(str(error).split()) or type(error).__name__
                print(f"allennlp {command}: error: {message}", file=sys.stderr)
                sys.exit(2)
            except interrupts:
                note = on_interrupt(args) if callable(on_interrupt) else on_interrupt
                # after a progress bar's unfinished line: start the note on a line of its own
                print(f"\nallennlp {command}: interrupted; {note}", file=sys.stderr)
                sys.exit(130)

        return wrapper

    return decorator


def exit_on_attack_error(command: str) -> Callable:
    """
    `exit_on_user_error` for `xfuse-attack` / `xfuse-perturb`: `ATTACK_USER_ERRORS` become a
    message, and Ctrl-C a note that the finished examples are saved and how to continue.

    # Parameters

    command : `str`
        The subcommand's name, for the messages.
    """
    return exit_on_user_error(
        command,
        user_errors=ATTACK_USER_ERRORS,
        on_interrupt=_interrupted_note,
    )


def _interrupted_note(args: argparse.Namespace) -> str:
    """What Ctrl-C leaves behind: a split to resume, or (tagged files) only whole files."""
    if getattr(args, "task", None) in ("ner", "pos"):
        return (
            "the files listed as written are complete, and no other was written (each file is "
            "written whole or not at all); delete them, or perturb only the other inputs, and "
            "run again."
        )
    return (
        f"the finished examples are saved in {args.output}; run the same command with --resume "
        "to continue."
    )


def check_output_path(path: str, option: str, directory: bool = False) -> None:
    """
    Raises a `ConfigurationError` saying what to change when a command could not write its
    output at `path`: a directory where a file goes (or the reverse), a file in the way of its
    parent directory, no write permission. Called before any work, so a bad path fails in a
    second rather than after an hour of attacks, and leaves nothing behind.

    # Parameters

    path : `str`
        The output the command will write (missing parents are created then).
    option : `str`
        The option that gave it, for the message (`--output`).
    directory : `bool`, optional (default = `False`)
        Whether `path` is a directory the command writes into, rather than a file.
    """
    if directory and os.path.exists(path) and not os.path.isdir(path):
        raise ConfigurationError(
            f"{option} {path} is a file, not a directory: name a directory (created if missing)."
        )
    if not directory and os.path.isdir(path):
        raise ConfigurationError(
            f"{option} {path} is a directory: name a file, e.g. "
            f"{os.path.join(path, 'de.deepwordbug.jsonl')}."
        )
    parent = os.path.abspath(path if directory else os.path.dirname(os.path.abspath(path)))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise ConfigurationError(
            f"{option} {path}: {parent} is a file, so nothing can be written under it; "
            "choose another path."
        )
    target = path if os.path.exists(path) else parent
    if not os.access(target, os.W_OK | (os.X_OK if os.path.isdir(target) else 0)):
        raise ConfigurationError(
            f"{option} {path}: {target} is not writable (permission denied); choose another "
            "path or change its permissions."
        )


def file_sha256(path: str) -> str:
    """
    The SHA-256 of a file's content: what identifies a model archive wherever it is copied.

    # Parameters

    path : `str`
        The file.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for chunk in iter(lambda: data.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def add_split_arguments(subparser: argparse.ArgumentParser) -> None:
    """The arguments `xfuse-attack` and `xfuse-perturb` both take after their positional ones."""
    subparser.add_argument(
        "--output",
        required=True,
        help="the adversarial split to write (JSON lines); for xfuse-perturb --task ner/pos, the "
        "perturbed copy (same layout as the input), or a directory for several input files",
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
        help=f"language of the input (PAWS-X: {' '.join(PAWSX_LANGUAGES)}; XNLI: "
        f"{' '.join(XNLI_LANGUAGES)}); default: from the row or the path",
    )
    subparser.add_argument(
        "--recipe-params",
        default="",
        help="JSON object of extra recipe arguments, e.g. "
        '\'{"masked_language_model": "/path/to/mlm"}\'',
    )


def parse_recipe_params(recipe_params: str) -> Dict[str, Any]:
    """
    `--recipe-params` as a dict (`{}` when empty); not a JSON object is a `ConfigurationError`.

    # Parameters

    recipe_params : `str`
        The option's text.
    """
    if not recipe_params:
        return {}
    try:
        extra = json.loads(recipe_params)
    except json.JSONDecodeError as error:
        raise ConfigurationError(
            f"--recipe-params is not valid JSON ({error}): {recipe_params!r}; give a JSON "
            """object, e.g. '{"max_edits": 2}'."""
        ) from None
    if not isinstance(extra, dict):
        raise ConfigurationError(
            f"--recipe-params must be a JSON object, not {recipe_params!r}, e.g. "
            """'{"max_edits": 2}'."""
        )
    return extra


def build_recipe(spec: str, perturb: str, recipe_params: str, **params: Any) -> AttackRecipe:
    """
    The recipe `spec` with `--perturb`, `--recipe-params` and subcommand-specific `params`.
    A parameter given twice (in `--recipe-params` and by its own option) or one the recipe does
    not take is a `ConfigurationError`, not a `TypeError` from deep inside.

    # Parameters

    spec : `str`
        `--recipe`.
    perturb : `str`
        `--perturb`.
    recipe_params : `str`
        `--recipe-params` (JSON object, or empty).
    **params : `Any`
        What the subcommand's own options set (`rate` for `xfuse-perturb`).
    """
    extra = parse_recipe_params(recipe_params)
    for name in ("type", "recipe"):
        if name in extra:
            raise ConfigurationError(
                f"--recipe-params cannot set {name!r}: the recipe is chosen with --recipe."
            )
    for name in sorted(set(extra) & ({"perturb"} | set(params))):
        option = "--" + name.replace("_", "-")
        raise ConfigurationError(
            f"--recipe-params sets {name!r}, which {option} already sets: give it once, "
            f"with {option} (drop it from --recipe-params)."
        )
    try:
        return AttackRecipe.from_spec(spec, perturb=perturb, **params, **extra)
    except TypeError as error:  # a parameter of the wrong kind for the recipe's constructor
        raise ConfigurationError(
            f"--recipe-params do not fit recipe {spec!r}: {error}"
        ) from error
    except ConfigurationError as error:
        if extra and "Extra parameters" in str(error):  # from_params: not the recipe's
            raise ConfigurationError(
                f"--recipe-params: {error}; see the recipe's parameters in its docstring."
            ) from None
        raise


def finish_split(output: str, example_keys: Sequence[Tuple[str, str]], **run_info: Any
                 ) -> Dict[str, Any]:
    """
    Summarizes the records of the split `output` that belong to this run's examples (given by
    their `example_key`s; all of the split when the run is complete), writes
    `<output>.summary.json` and prints the table.
    """
    keys = set(example_keys)
    records = [record for record in read_split(output) if record_key(record) in keys]
    summary = summarize(records, output=output, **run_info)
    write_summary(summary_path(output), summary)
    print(format_summary_table(summary))
    print(f"Split: {output}\nSummary: {summary_path(output)}")
    return summary


def format_summary_table(summary: Dict[str, Any]) -> str:
    """An attack summary as a plain-text table, one row per language and an "all" row."""
    rows: List[Tuple[str, ...]] = [("language",) + tuple(h for _, h in SUMMARY_COLUMNS)]
    groups = list(summary["languages"].items())
    if len(groups) != 1:
        groups.append(("all", summary["all"]))
    for language, metrics in groups:
        cells = ("-" if metrics[key] is None else str(metrics[key]) for key, _ in SUMMARY_COLUMNS)
        rows.append((language,) + tuple(cells))
    return format_text_table(rows, num_label_columns=1)


def format_text_table(rows: Sequence[Sequence[str]], num_label_columns: int) -> str:
    """
    `rows` (the first one the header) as a plain-text table: columns two spaces apart, the first
    `num_label_columns` aligned left and the figures after them right, a dashed rule under the
    header.
    """
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if column < num_label_columns else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def parse_overrides_argument(text: str, option: str = "--overrides") -> Dict[str, Any]:
    """
    An `--overrides` / `--overrides-for` argument as a dict; not an object is a
    `ConfigurationError`, so the user gets one line instead of jsonnet's traceback.

    # Parameters

    text : `str`
        JSON or Jsonnet; empty means no overrides.
    option : `str`, optional (default = `"--overrides"`)
        The option that gave it, for the message.
    """
    from allennlp.common.params import parse_overrides

    example = """'{"trainer.num_epochs": 1}'"""
    try:
        overrides = parse_overrides(text) if text else {}
    except RuntimeError as error:  # jsonnet's parse errors, e.g. "STATIC ERROR: 1:13: ..."
        # jsonnet ends its message with a line break: kept, the message's last line would be ")"
        reason = " ".join(str(error).split())
        raise ConfigurationError(
            f"{option} is not valid JSON/Jsonnet ({reason}): {text!r}; give an object, e.g. "
            f"{example}."
        ) from None
    if not isinstance(overrides, dict):
        raise ConfigurationError(
            f"{option} must be a JSON object, not {text!r}; e.g. {example}."
        )
    return overrides
