"""
`allennlp xfuse-report`: evaluates every trained archive on every clean and adversarial split
(each pair once, cached) and writes the results table and plots.
"""
import argparse

from allennlp.commands.subcommand import Subcommand

from allennlp_xfuse.commands.command_line import check_output_path, exit_on_user_error


@Subcommand.register("xfuse-report")
class Report(Subcommand):
    """
    Evaluates archives on PAWS-X splits, clean and adversarial, and writes `report.md`,
    `results.csv`, `results.json` and PNG plots:

        allennlp xfuse-report runs/sweep runs/other --clean PAWSX_DIR --adversarial adv/ \\
            --output report/

    Each `model.tar.gz` under the run directories is a model; its config says which table row
    it belongs to (`baseline`, `dlfa@k`, `aif`) and its seed. Clean splits are found per
    language under `--clean` (`<lang>/test_2k.tsv`, XTREME `test-<lang>.tsv`, else dev sets);
    adversarial splits are the `*.jsonl` under `--adversarial`: model-agnostic ones
    (`adv/shared/`, or records with status "perturbed") are evaluated on every model, attacks on
    the run they were produced against (`adv/<run dir name>/de.deepwordbug.jsonl`) and on every
    other model (the transfer matrix), and every model on the union of each recipe's attacks
    (written to `<output>/splits/union/`); `--no-transfer` keeps each attack to its own run.
    report.md leads with the comparisons on identical inputs (clean, model-agnostic, transfer
    and union splits), with 95 % bootstrap confidence intervals and paired tests against the
    baseline; the per-model attacks come after. Evaluation is AllenNLP's own (the archive's
    reader and data loader, `Evaluator`); each result, with its per-example predictions, is
    cached under `<output>/cache/`, keyed by the archive's and the split's path, size and
    mtime, so re-running evaluates only what is new; the predictions are also written under
    `<output>/predictions/`.

    The other tasks of the paper are reported from the same runs directories: each run's task
    comes from its config's dataset reader (`xnli`, `panx` -> ner, `ud_pos` -> pos), and
    `--task-data TASK=DIR` gives each task's test data (`xnli`: `test-<lang>.tsv` or the official
    `xnli.test.tsv`; `ner`: `<lang>-test`; `pos`: `*-ud-test.conllu` under `UD_*`), and
    `--task-data TASK:SPLIT=DIR` a perturbed copy of it (`xfuse-perturb --task`), evaluated on
    every model of the task:

        allennlp xfuse-report runs/ --clean PAWSX_DIR --task-data xnli=XNLI_DIR \\
            --task-data ner=PANX_DIR --task-data ner:charnoise=adv/ner --task-data pos=UD_DIR

    report.md then leads with one table per task and split (the task's metric per language,
    `avg`, `enf`, `non-enf`) and a summary across tasks (each task's average and their mean). A
    run whose task has no data given is left out, and says so.

    Registered as a `Subcommand` with name "xfuse-report".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Evaluate every archive under RUNS_DIR on every language's clean test split and on "
            "the adversarial splits, and every XNLI / NER / POS archive on its task's test data "
            "(--task-data), then write report.md, results.csv, results.json and plots (each "
            "archive/split pair evaluated once; results cached in OUTPUT/cache)."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument(
            "run_dirs", nargs="+", metavar="RUNS_DIR",
            help="run directories (or model.tar.gz files); searched recursively for "
            "model.tar.gz",
        )
        subparser.add_argument(
            "--clean", metavar="PAWSX_DIR",
            help="directory with the clean splits: <lang>/test_2k.tsv (official release, "
            "bundled sample), test-<lang>.tsv or dev-<lang>.tsv (XTREME)",
        )
        subparser.add_argument(
            "--task-data", action="append", default=[], metavar="TASK[:SPLIT]=DIR",
            help="test data of another task, repeatable: TASK is xnli, ner or pos (pawsx: the "
            "same as --clean); DIR holds its per-language test files (xnli: test-<lang>.tsv or "
            "xnli.test.tsv; ner: <lang>-test; pos: UD_*/*-ud-test.conllu). With :SPLIT, a "
            "perturbed copy of it (xfuse-perturb --task), tabulated under that name",
        )
        subparser.add_argument(
            "--adversarial", metavar="ADV_DIR",
            help="directory with adversarial splits (*.jsonl from xfuse-attack / xfuse-perturb):"
            " ADV_DIR/<run>/<lang>.<recipe>.jsonl, ADV_DIR/shared/<lang>.<recipe>.jsonl",
        )
        subparser.add_argument(
            "-o", "--output", default="report", help="output directory (default: report)"
        )
        subparser.add_argument(
            "--cuda-device", type=int, default=-1, help="GPU id, -1 for CPU (default: -1)"
        )
        subparser.add_argument(
            "--batch-size", type=int, default=None,
            help="evaluation batch size (default: the config's validation data loader's)",
        )
        subparser.add_argument(
            "--transfer", dest="transfer", action="store_true", default=True,
            help="evaluate every attack's split on the models it was not produced against too, "
            "and every model on the union of each recipe's attacks (the default)",
        )
        subparser.add_argument(
            "--no-transfer", dest="transfer", action="store_false",
            help="evaluate each attack's split on the run it was produced against only (cheaper;"
            " the report then has no like-for-like comparison under those attacks)",
        )
        subparser.add_argument(
            "--name-from-run", action="store_true",
            help="name table rows after run directories (minus a _s<seed> suffix) instead of "
            "after their configs",
        )
        subparser.add_argument(
            "--selection-split", metavar="EN_DEV",
            help="the English dev split the dlfa fusion layer is chosen on (default: "
            "en/dev_2k.tsv or dev-en.tsv under --clean); the tables report that layer only",
        )
        subparser.add_argument("--no-plots", action="store_true", help="skip the figures")
        subparser.set_defaults(func=report_from_args)
        return subparser


@exit_on_user_error("xfuse-report")
def report_from_args(args: argparse.Namespace) -> None:
    """
    Builds the report and prints its tables, its files and what it left out.

    # Parameters

    args : `argparse.Namespace`
        The parsed `xfuse-report` arguments.
    """
    # Imported here: evaluation pulls in models and matplotlib, `import allennlp_xfuse` must not.
    from allennlp_xfuse.report.build import build_report
    from allennlp_xfuse.report.task_splits import parse_task_data

    check_output_path(args.output, "--output", directory=True)
    task_data = [parse_task_data(option) for option in args.task_data]
    output = build_report(
        args.run_dirs,
        args.output,
        clean_dir=args.clean,
        adversarial_dir=args.adversarial,
        cuda_device=args.cuda_device,
        batch_size=args.batch_size,
        transfer=args.transfer,
        name_from_run=args.name_from_run,
        plots=not args.no_plots,
        selection_split=args.selection_split,
        task_data=task_data,
    )
    # The tables only: the data-sources and plots sections are long paths, listed below instead.
    print(output.tables_markdown.rstrip())
    print(
        f"\nEvaluated {output.evaluated} archive/split pairs ({output.cached} from the cache)."
    )
    for name, path in output.files.items():
        print(f"{name:>8}: {path}")
    for path in output.plots.values():
        print(f"{'plot':>8}: {path}")
    if output.left_out:
        # last, where a reader of the output looks: what the tables do not cover, and why
        print(f"\nLeft out {len(output.left_out)} (listed in report.md):")
        for item in output.left_out:
            print(f"  {item.path}: {item.reason}")
