"""
`allennlp xfuse-audit`: audit sheets that let a person check whether perturbed PAWS-X pairs keep
their gold label, and `--fold`, which turns the marked sheets into label-preservation rates.
"""
import argparse
import os

from allennlp.commands.subcommand import Subcommand

from allennlp_xfuse.commands.command_line import (
    check_output_path,
    exit_on_user_error,
    format_text_table,
)


@Subcommand.register("xfuse-audit")
class Audit(Subcommand):
    """
    Writes, per adversarial split and language, a seeded random sample of the changed pairs
    (status succeeded or perturbed, text different from the original) as an audit sheet to mark:

        allennlp xfuse-audit adv/shared/de.charnoise.jsonl adv/aif/*.jsonl --sample 50 \\
            --seed 13 --output audit/

    gives `audit/<split name>.<language>.audit.tsv` (and a `.md` twin for reading) with the
    columns id, language, recipe, label, original_sentence1, sentence1, original_sentence2,
    sentence2, changed_words and an empty label_kept, to fill with yes / no (or 1 / 0). A sheet
    that already holds marks is never overwritten (exit status 2). Then

        allennlp xfuse-audit --fold audit/*.audit.tsv

    prints per recipe and language the marked and kept pairs and the label-preservation rate
    with its 95 % Wilson interval, and writes `<split>.audit.json` beside each split (the
    sheet's `# split:` line names it), which `xfuse-report` shows.

    Registered as a `Subcommand` with name "xfuse-audit".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Write audit sheets (a seeded sample of each split's changed pairs per language) "
            "for a person to mark whether the gold label still holds; with --fold, turn the "
            "marked sheets into label-preservation rates beside the splits."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument(
            "paths", nargs="+", metavar="SPLIT_OR_SHEET",
            help="adversarial splits (*.jsonl from xfuse-attack / xfuse-perturb); with --fold, "
            "marked audit sheets (*.audit.tsv)",
        )
        subparser.add_argument(
            "--fold", action="store_true",
            help="read marked sheets, print the label-preservation rates and write "
            "<split>.audit.json beside each split",
        )
        subparser.add_argument(
            "--sample", type=int, default=50,
            help="changed pairs per split and language (default: 50; all when fewer)",
        )
        subparser.add_argument("--seed", type=int, default=13, help="sampling seed (default: 13)")
        subparser.add_argument(
            "-o", "--output", help="directory for the sheets (required unless --fold)"
        )
        subparser.set_defaults(func=audit_from_args)
        return subparser


@exit_on_user_error("xfuse-audit")
def audit_from_args(args: argparse.Namespace) -> None:
    """
    Writes the sheets, or folds the marked ones (`--fold`), and prints what it did.

    # Parameters

    args : `argparse.Namespace`
        The parsed `xfuse-audit` arguments.
    """
    from allennlp.common.checks import ConfigurationError

    from allennlp_xfuse.report.label_audit import (
        audit_path,
        fold_audit_sheets,
        plan_audit_sheets,
        write_audit_sheets,
    )

    if args.fold:
        counts = fold_audit_sheets(args.paths)
        rows = [("recipe", "language", "sampled", "marked", "kept", "unmarked", "rate %",
                 "95% interval %")]
        for group in counts:
            interval = group.interval
            rows.append((
                group.recipe, group.language, str(group.sampled), str(group.marked),
                str(group.kept), str(group.unmarked),
                "-" if group.rate is None else f"{100 * group.rate:.1f}",
                "-" if interval is None else f"[{100 * interval[0]:.1f}, {100 * interval[1]:.1f}]",
            ))
        print(format_text_table(rows, num_label_columns=2))
        for split in dict.fromkeys(group.split for group in counts):
            print(f"   audit: {audit_path(split)}")
        return

    if not args.output:
        raise ConfigurationError("--output DIR is required to write audit sheets (or pass --fold).")
    check_output_path(args.output, "--output", directory=True)
    plans = plan_audit_sheets(args.paths, args.output, sample_size=args.sample, seed=args.seed)
    write_audit_sheets(plans)
    for plan in plans:
        print(f"{plan.language}  {len(plan.records):>4} of {plan.num_changed:>5} changed pairs  "
              f"{plan.path}")
    sampled = {plan.split for plan in plans}
    for path in args.paths:
        if os.path.abspath(path) not in sampled:
            print(f"{path}: no changed pairs, no sheet written")
    if plans:
        print("Mark label_kept (yes / no) in each .tsv, then: allennlp xfuse-audit --fold "
              f"{os.path.join(args.output, '*.audit.tsv')}")
