"""
`allennlp xfuse-attack`: a TextAttack attack on a trained archive, written as an adversarial
split.
"""
import argparse

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.commands.command_line import (
    add_split_arguments,
    build_recipe,
    check_output_path,
    exit_on_attack_error,
    file_sha256,
    finish_split,
    parse_recipe_params,
    reading_archive,
)


@Subcommand.register("xfuse-attack")
class Attack(Subcommand):
    """
    Attacks an AllenNLP archive on a PAWS-X split and writes one JSON line per pair as it is
    done (the format of `allennlp_xfuse.data.adversarial_split`), then `<output>.summary.json`
    and a table of TextAttack's figures per language. Resumable with `--resume`.

        allennlp xfuse-attack runs/aif/model.tar.gz PAWSX/de/test_2k.tsv --recipe deepwordbug \\
            --output adv/aif/de.deepwordbug.jsonl

    Registered as a `Subcommand` with name "xfuse-attack".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Attack a trained model on a PAWS-X split and write an adversarial split."
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("archive_file", help="the model archive (model.tar.gz)")
        subparser.add_argument("input_file", help="PAWS-X file (any layout), list or glob")
        subparser.add_argument(
            "--recipe",
            required=True,
            help="deepwordbug, pruthi, mlm_swap, textattack:<name>, or a registered recipe",
        )
        add_split_arguments(subparser)
        subparser.add_argument(
            "--batch-size", type=int, default=32, help="pairs per model forward pass"
        )
        subparser.add_argument(
            "--query-budget",
            type=int,
            default=None,
            help="maximum model queries per example (default: unlimited)",
        )
        subparser.add_argument(
            "--cuda-device", type=int, default=-1, help="GPU id, -1 for the CPU"
        )
        subparser.set_defaults(func=attack_from_args)
        return subparser


@exit_on_attack_error("xfuse-attack")
def attack_from_args(args: argparse.Namespace) -> None:
    """
    Checks every argument, then attacks and writes the split and its summary.

    # Parameters

    args : `argparse.Namespace`
        The parsed `xfuse-attack` arguments.
    """
    import os

    from allennlp_xfuse.attacks.examples import load_examples
    from allennlp_xfuse.attacks.runner import attack_examples
    from allennlp_xfuse.data.adversarial_split import SplitWriter

    # cheap checks first: the archive loads in seconds, TextAttack in more
    if not os.path.isfile(args.archive_file):
        raise ConfigurationError(f"Model archive not found: {args.archive_file}")
    if args.batch_size < 1 or (args.query_budget is not None and args.query_budget < 1):
        raise ConfigurationError("--batch-size and --query-budget must be positive")
    check_output_path(args.output, "--output")
    examples = load_examples(
        args.input_file, args.language, args.num_examples, require_labels=True
    )
    recipe = build_recipe(args.recipe, args.perturb, args.recipe_params)
    if recipe.model_agnostic:
        raise ConfigurationError(
            f"{args.recipe} does not use a model: run allennlp xfuse-perturb INPUT --recipe "
            f"{args.recipe}, then allennlp evaluate the archive on its output."
        )
    # What decides the records besides the recipe: resuming with any other value is refused.
    # The archive by its content, so a copy is the same model and a retrained one is not.
    settings = {
        "archive_sha256": file_sha256(args.archive_file),
        "seed": args.seed,
        "perturb": args.perturb,
        "query_budget": args.query_budget,
        "recipe_params": parse_recipe_params(args.recipe_params),
    }
    with SplitWriter(
        args.output, resume=args.resume, recipe=args.recipe, settings=settings
    ) as writer:
        from allennlp_xfuse.attacks.model_wrapper import AllenNlpModelWrapper

        with reading_archive(args.archive_file):
            model_wrapper = AllenNlpModelWrapper.from_archive(
                args.archive_file, cuda_device=args.cuda_device, batch_size=args.batch_size
            )
        attack_examples(
            recipe,
            args.recipe,
            model_wrapper,
            examples,
            writer,
            seed=args.seed,
            query_budget=args.query_budget,
            batch_size=args.batch_size,
        )
    finish_split(
        args.output,
        [example.key for example in examples],
        recipe=args.recipe,
        archive=args.archive_file,
        input=args.input_file,
        seed=args.seed,
        query_budget=args.query_budget,
        perturb=args.perturb,
        settings=writer.settings,
    )
