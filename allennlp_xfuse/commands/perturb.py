"""
`allennlp xfuse-perturb`: model-agnostic perturbation of a PAWS-X or XNLI split, or of NER / POS
files, the same perturbed text for every model.
"""
import argparse
import os
from typing import List

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError
from allennlp.common.from_params import takes_arg

from allennlp_xfuse.commands.command_line import (
    add_split_arguments,
    build_recipe,
    check_output_path,
    exit_on_attack_error,
    finish_split,
    format_text_table,
    parse_recipe_params,
)

#: `--task` values: the pair tasks (JSON-lines splits) and the tagged ones (files in their layout).
PAIR_TASKS = ("pawsx", "xnli")
TAGGED_TASKS = ("ner", "pos")


@Subcommand.register("xfuse-perturb")
class Perturb(Subcommand):
    """
    Writes a perturbed copy of a PAWS-X split (or an XNLI one, `--task xnli`) as JSON lines (one
    line per pair, as it is done), then `<output>.summary.json`. Deterministic for a seed and an
    example id, resumable.

        allennlp xfuse-perturb PAWSX/de/test_2k.tsv --recipe charnoise --rate 0.1 --seed 13 \\
            --output adv/shared/de.charnoise.jsonl

    The same on the English training file writes augmented training data for robust training
    (`training_configs/pawsx_*_robust.jsonnet`): every pair keeps its id and gold label.
    `--changed-only` leaves out the pairs the recipe did not change (an unchanged copy would
    only repeat an original pair in training); several copies are several runs with other
    `--seed`s and `--output`s.

    With `--task ner` or `--task pos` it writes a copy of NER / POS files in their own layout
    (PAN-X, CoNLL, CoNLL-U) with character noise inside words, every word and tag kept in place,
    for the stock `allennlp evaluate` (see `allennlp_xfuse.attacks.tagged_perturbation`):

        allennlp xfuse-perturb UD_German-GSD/de_gsd-ud-test.conllu --task pos --rate 0.2 \\
            --output adv/pos/de_gsd-ud-test.charnoise.conllu

    Registered as a `Subcommand` with name "xfuse-perturb".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Perturb a PAWS-X / XNLI split, or NER / POS files, without a model (same text for "
            "every model)."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument(
            "input_file", help="the task's file (any layout its reader reads), list or glob"
        )
        subparser.add_argument(
            "--task",
            choices=PAIR_TASKS + TAGGED_TASKS,
            default="pawsx",
            help="what the input holds: pawsx / xnli sentence pairs (a JSON-lines split is "
            "written), or ner (PAN-X / CoNLL) / pos (CoNLL-U / XTREME) tagged sentences (a copy "
            "in the input's layout; --output is a directory for several input files)",
        )
        subparser.add_argument(
            "--recipe", default="charnoise", help="model-agnostic recipe"
        )
        subparser.add_argument(
            "--rate", type=float, default=0.1, help="share of the words of each sentence to edit"
        )
        subparser.add_argument(
            "--changed-only", action="store_true",
            help="write only the pairs the recipe changed (for augmented training data: an "
            "unchanged copy only repeats an original pair)",
        )
        subparser.add_argument(
            "--protect-entities", action="store_true",
            help="--task ner: leave every word whose tag is not O unchanged",
        )
        add_split_arguments(subparser)
        subparser.set_defaults(func=perturb_from_args)
        return subparser


@exit_on_attack_error("xfuse-perturb")
def perturb_from_args(args: argparse.Namespace) -> None:
    """
    Checks every argument, then perturbs and writes the split and its summary (for `--task ner`
    / `pos`, the tagged files: `perturb_tagged_from_args`).

    # Parameters

    args : `argparse.Namespace`
        The parsed `xfuse-perturb` arguments.
    """
    from allennlp_xfuse.attacks.examples import load_examples
    from allennlp_xfuse.attacks.recipes import AttackRecipe
    from allennlp_xfuse.attacks.runner import perturb_examples
    from allennlp_xfuse.data.adversarial_split import SplitWriter, recorded_settings
    from allennlp_xfuse.training.augmented_data import ChangedPairsWriter

    if args.task in TAGGED_TASKS:
        perturb_tagged_from_args(args)
        return
    if args.protect_entities:
        raise ConfigurationError(
            "--protect-entities keeps NER entity words: it applies to --task ner only."
        )
    check_output_path(args.output, "--output")
    recipe_class = (
        AttackRecipe.by_name(args.recipe) if args.recipe in AttackRecipe.list_available() else None
    )
    params = {"rate": args.rate} if recipe_class and takes_arg(recipe_class, "rate") else {}
    recipe = build_recipe(args.recipe, args.perturb, args.recipe_params, **params)
    if not recipe.model_agnostic:
        raise ConfigurationError(
            f"{args.recipe} attacks a model: use allennlp xfuse-attack ARCHIVE INPUT --recipe "
            f"{args.recipe}."
        )
    examples = load_examples(args.input_file, args.language, args.num_examples, task=args.task)
    # What decides the text besides the recipe: resuming with any other value is refused.
    settings = {
        "seed": args.seed,
        "perturb": args.perturb,
        "rate": args.rate if params else None,
        "recipe_params": parse_recipe_params(args.recipe_params),
    }
    if args.changed_only:
        # recorded only when on, so the default run's settings stay what they were
        settings["changed_only"] = True
    recorded = recorded_settings(args.output) if args.resume else None
    if recorded is not None and bool(recorded.get("changed_only")) != args.changed_only:
        # SplitWriter compares the settings this run has; a key only one side has is ours
        made = "with" if recorded.get("changed_only") else "without"
        raise ConfigurationError(
            f"{args.output} was made {made} --changed-only: resume it the same way, or write "
            "to another output."
        )
    with SplitWriter(
        args.output, resume=args.resume, recipe=args.recipe, settings=settings
    ) as writer:
        output = ChangedPairsWriter(writer) if args.changed_only else writer
        perturb_examples(recipe, args.recipe, examples, output, args.seed)
    if args.changed_only:
        print(f"Left out {output.unchanged} pair(s) the recipe did not change (--changed-only).")
        if not writer.done and not os.path.exists(args.output):
            raise ConfigurationError(
                f"{args.recipe} changed none of the {len(examples)} pair(s) of "
                f"{args.input_file}, so --changed-only wrote nothing to {args.output}: raise "
                "--rate, or use another recipe (code_mix_random needs dictionary words)."
            )
    finish_split(
        args.output,
        [example.key for example in examples],
        recipe=args.recipe,
        input=args.input_file,
        seed=args.seed,
        rate=args.rate if params else None,
        perturb=args.perturb,
        settings=writer.settings,
    )


def perturb_tagged_from_args(args: argparse.Namespace) -> None:
    """
    `xfuse-perturb --task ner|pos`: checks the arguments, every input file and every output
    before anything is written, then writes one perturbed copy per input file (atomically) and
    `<output>.summary.json`, and prints a table.

    # Parameters

    args : `argparse.Namespace`
        The parsed `xfuse-perturb` arguments.
    """
    from allennlp_xfuse.attacks.recipes import AttackRecipe, CharNoise
    from allennlp_xfuse.attacks.tagged_perturbation import (
        perturb_tagged_file,
        plan_tagged_files,
        summarize_tagged,
    )
    from allennlp_xfuse.data.adversarial_split import (
        check_summary_replaceable,
        summary_path,
        write_summary,
    )
    from allennlp_xfuse.data.data_paths import expand_data_paths
    from allennlp_xfuse.data.languages import TASK_LANGUAGES

    task = args.task
    recipe_class = (
        AttackRecipe.by_name(args.recipe) if args.recipe in AttackRecipe.list_available() else None
    )
    if recipe_class is None or not issubclass(recipe_class, CharNoise):
        raise ConfigurationError(
            f"--task {task} works with --recipe charnoise only (character noise inside words "
            f"keeps every word aligned with its tag), not {args.recipe}; model-in-the-loop "
            "attacks (allennlp xfuse-attack) are for the classification tasks, PAWS-X and XNLI."
        )
    _refuse_pair_options(args)
    if args.language is not None and args.language not in TASK_LANGUAGES[task]:
        raise ConfigurationError(
            f"--language {args.language} is not a {task} language; choose one of "
            f"{' '.join(TASK_LANGUAGES[task])}."
        )
    recipe = build_recipe(args.recipe, "both", args.recipe_params, rate=args.rate)
    paths = expand_data_paths(args.input_file)
    directory = (
        len(paths) > 1 or os.path.isdir(args.output) or args.output.endswith(("/", os.sep))
    )
    check_output_path(args.output, "--output", directory=directory)
    output = os.path.normpath(args.output)
    if os.path.basename(output) in (".", ".."):
        output = os.path.abspath(output)
    # before any work: the summary must not replace a file this command did not write
    check_summary_replaceable(output)
    plans = plan_tagged_files(task, paths, args.output, directory, args.language)
    results = []
    for plan in plans:
        results.append(
            perturb_tagged_file(recipe, task, plan, args.seed, args.protect_entities)
        )
        print(f"Wrote {plan.output}")
    settings = {
        "seed": args.seed,
        "rate": args.rate,
        "recipe_params": parse_recipe_params(args.recipe_params),
        "protect_entities": args.protect_entities,
    }
    summary = summarize_tagged(
        results, output=output, task=task, recipe=args.recipe, input=args.input_file,
        seed=args.seed, rate=args.rate, protect_entities=args.protect_entities,
        settings=settings,
    )
    write_summary(summary_path(output), summary)
    print(_tagged_table(summary))
    print(f"Summary: {summary_path(output)}")


def _refuse_pair_options(args: argparse.Namespace) -> None:
    """Options of the pair splits that mean nothing for a tagged file: an error, not ignored."""
    task = args.task
    refusals: List[str] = []
    if args.resume:
        refusals.append(
            "--resume does not apply: each tagged file is written whole and atomically (in "
            "seconds), so an interrupted run leaves no partial file to continue; run again "
            "without --resume, after deleting the outputs already written"
        )
    if args.changed_only:
        refusals.append(
            "--changed-only does not apply: the copy keeps every sentence, so that an "
            "evaluation counts the same words as on the original"
        )
    if args.num_examples is not None:
        refusals.append("--num-examples does not apply: every sentence of a file is copied")
    if args.perturb != "both":
        refusals.append("--perturb chooses a sentence of a pair; a tagged file has none")
    if args.protect_entities and task != "ner":
        refusals.append("--protect-entities keeps NER entity words: it applies to --task ner")
    if refusals:
        raise ConfigurationError(f"--task {task}: {refusals[0]}.")


def _tagged_table(summary: dict) -> str:
    """The tagged summary as a table: one row per language, and "all" when there are several."""
    columns = (("sentences", "sentences"), ("words", "words"),
               ("words_changed", "words changed"), ("perturbed_word_ratio", "changed %"))
    groups = list(summary["languages"].items())
    if len(groups) != 1:
        groups.append(("all", summary["all"]))
    rows = [("language",) + tuple(header for _, header in columns)]
    for language, figures in groups:
        cells = []
        for key, _ in columns:
            value = figures[key]
            if key == "perturbed_word_ratio":
                value = "-" if value is None else f"{100 * value:.2f}"
            cells.append(str(value))
        rows.append((language, *cells))
    return format_text_table(rows, num_label_columns=1)
