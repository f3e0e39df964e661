"""
The experiment's reporting side, what `allennlp xfuse-report` and `xfuse-inspect` run. Read
top-down:

- `build`: the whole report (`build_report`);
- `discovery`: the runs, clean and adversarial splits, and the plan that pairs them;
- `model_identity`: which table row a run is, from its config;
- `evaluation`: evaluating archives on splits, and the cache of results;
- `fusion_weights`: collecting AIF weights while a model runs, and `inspect_fusion_weights`;
- `records`: the metrics record every table is built from;
- `tables`: the results tables (mean ± std over seeds);
- `results_files`: report.md, results.csv, results.json;
- `plots`: the figures.

Nothing here registers a component; the `xfuse-*` subcommands import what they need. Importing
this package stays cheap: matplotlib and model code are imported by the modules and functions
that need them.
"""
