"""
The experiment's reporting side, what `allennlp xfuse-report` and `xfuse-inspect` run. Read
top-down:

- `build`: the whole report (`build_report`);
- `discovery`: the runs, clean and adversarial splits, and the plan that pairs them;
- `union_split`: the union of a recipe's attacks against every run, evaluated on every model;
- `tasks`: the four tasks (PAWS-X, XNLI, NER, POS): a run's task from its reader, each task's
  metric and languages;
- `task_splits`: `--task-data` and each language's test file of XNLI, NER and POS;
- `model_identity`: which table row a run is, from its config;
- `evaluation`: evaluating archives on splits, and the cache of results;
- `predictions`: each evaluation's per-example outcomes (`<output>/predictions/`);
- `fusion_weights`: collecting AIF weights while a model runs, and `inspect_fusion_weights`;
- `records`: the metrics record every table is built from;
- `statistics`: bootstrap confidence intervals, McNemar's exact test, the paired bootstrap,
  Holm's adjustment;
- `tables`: the results tables (mean ± std over seeds, confidence intervals, differences vs
  baseline with their paired tests);
- `task_tables`: the per-task tables (languages, avg / enf / non-enf) and the summary across
  tasks;
- `layer_selection`: the dlfa layer chosen on English dev, and the exploratory sweep;
- `attack_settings`: what each adversarial split was made with, and warnings where they differ;
- `results_files`: report.md, results.csv, results.json;
- `plots`: the figures.

Nothing here registers a component; the `xfuse-*` subcommands import what they need. Importing
this package stays cheap: matplotlib and model code are imported by the modules and functions
that need them.
"""
