"""
`allennlp xfuse-perturb`: model-agnostic perturbation of a PAWS-X split, the same perturbed
text for every model.
"""
import argparse
import os

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError
from allennlp.common.from_params import takes_arg

from allennlp_xfuse.commands.command_line import (
    add_split_arguments,
    build_recipe,
    check_output_path,
    exit_on_attack_error,
    finish_split,
    parse_recipe_params,
)


@Subcommand.register("xfuse-perturb")
class Perturb(Subcommand):
    """
    Writes a perturbed copy of a PAWS-X split as JSON lines (one line per pair, as it is done),
    then `<output>.summary.json`. Deterministic for a seed and an example id, resumable.

        allennlp xfuse-perturb PAWSX/de/test_2k.tsv --recipe charnoise --rate 0.1 --seed 13 \\
            --output adv/shared/de.charnoise.jsonl

    The same on the English training file writes augmented training data for robust training
    (`training_configs/pawsx_*_robust.jsonnet`): every pair keeps its id and gold label.
    `--changed-only` leaves out the pairs the recipe did not change (an unchanged copy would
    only repeat an original pair in training); several copies are several runs with other
    `--seed`s and `--output`s.

    Registered as a `Subcommand` with name "xfuse-perturb".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Perturb a PAWS-X split without a model (same text for every model)."
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("input_file", help="PAWS-X file (any layout), list or glob")
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
        add_split_arguments(subparser)
        subparser.set_defaults(func=perturb_from_args)
        return subparser


@exit_on_attack_error("xfuse-perturb")
def perturb_from_args(args: argparse.Namespace) -> None:
    """
    Checks every argument, then perturbs and writes the split and its summary.

    # Parameters

    args : `argparse.Namespace`
        The parsed `xfuse-perturb` arguments.
    """
    from allennlp_xfuse.attacks.examples import load_examples
    from allennlp_xfuse.attacks.recipes import AttackRecipe
    from allennlp_xfuse.attacks.runner import perturb_examples
    from allennlp_xfuse.data.adversarial_split import SplitWriter, recorded_settings
    from allennlp_xfuse.training.augmented_data import ChangedPairsWriter

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
    examples = load_examples(args.input_file, args.language, args.num_examples)
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
