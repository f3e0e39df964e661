"""
`allennlp xfuse-attack`: a TextAttack attack on a trained archive, written as an adversarial
split.
"""
import argparse
import json
import tarfile

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
    Attacks an AllenNLP archive on a PAWS-X or XNLI split and writes one JSON line per pair as
    it is done (the format of `allennlp_xfuse.data.adversarial_split`), then
    `<output>.summary.json` and a table of TextAttack's figures per language. Resumable with
    `--resume`. The task, hence how the input is read, is the archive's (`archive_task`).

        allennlp xfuse-attack runs/aif/model.tar.gz PAWSX/de/test_2k.tsv --recipe deepwordbug \\
            --output adv/aif/de.deepwordbug.jsonl
        allennlp xfuse-attack runs/xnli_dlfa/model.tar.gz xnli/test-de.tsv --recipe deepwordbug \\
            --output adv/xnli_dlfa/de.deepwordbug.jsonl

    Registered as a `Subcommand` with name "xfuse-attack".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Attack a trained model on a PAWS-X or XNLI split and write an adversarial split."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("archive_file", help="the model archive (model.tar.gz)")
        subparser.add_argument(
            "input_file",
            help="PAWS-X or XNLI file (any layout the archive's reader reads), list or glob",
        )
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


#: Dataset reader types of the tagging tasks, which model-in-the-loop attacks do not cover.
TAGGING_READERS = {"panx": "ner", "ud_pos": "pos"}


def archive_task(archive_file: str) -> str:
    """
    The sentence-pair task an archive was trained on, from its `config.json` (read without
    loading the model): `"xnli"` for the `xnli` dataset reader, `"pawsx"` for any other pair
    reader (`pawsx`, `adversarial_pawsx`, a user's). The validation reader counts when the
    config has one, as it is the one the attack queries. A tagging archive (`panx`, `ud_pos`)
    is a `ConfigurationError`: the attacks classify pairs.

    # Parameters

    archive_file : `str`
        A `model.tar.gz` written by `allennlp train` or `archive_model`.
    """
    with reading_archive(archive_file):
        try:
            with tarfile.open(archive_file, "r:gz") as archive:
                config_file = archive.extractfile("config.json")
                config = json.load(config_file) if config_file is not None else None
        except KeyError:
            config = None
        except json.JSONDecodeError as error:
            raise ConfigurationError(
                f"{archive_file}: its config.json is not valid JSON ({error}); re-create the "
                "archive (allennlp train, or archive_model)."
            ) from None
    if not isinstance(config, dict):
        raise ConfigurationError(
            f"{archive_file} has no config.json: not an AllenNLP model archive. Pass the "
            "model.tar.gz that allennlp train wrote."
        )
    reader = config.get("validation_dataset_reader") or config.get("dataset_reader") or {}
    reader_type = reader.get("type") if isinstance(reader, dict) else None
    if reader_type in TAGGING_READERS:
        raise ConfigurationError(
            f"{archive_file} is a tagging model (dataset reader {reader_type!r}): "
            "model-in-the-loop attacks are for the classification tasks (PAWS-X, XNLI). "
            "Perturb tagged files without a model with allennlp xfuse-perturb --task ner|pos, "
            "then allennlp evaluate the archive on the output."
        )
    return "xnli" if reader_type == "xnli" else "pawsx"


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
        # After the split's own checks (nothing is written before the first record): a resume
        # with other settings is refused before the archive is opened. The task, hence how the
        # input is read, is the archive's.
        task = archive_task(args.archive_file)
        examples = load_examples(
            args.input_file, args.language, args.num_examples, require_labels=True, task=task
        )
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
        task=task,
        input=args.input_file,
        seed=args.seed,
        query_budget=args.query_budget,
        perturb=args.perturb,
        settings=writer.settings,
    )
