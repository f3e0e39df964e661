"""
Training the experiment's models with AllenNLP's own training: the layer sweep's plan
(`sweep_plan`: which runs, where, with which overrides) and its runner (`sweep_runner`), the
rule that names and parses run directories (`run_names`), the `--overrides` that point a shipped
config at another transformer and other data (`overrides`), the tiny local BERT that tests
and the demo train on (`tiny_model`), XTREME's model-selection schedule (`selection_schedule`),
and robust training as data: what counts as augmented training data and the augmented copy of
the sample (`augmented_data`).

Nothing here parses arguments or prints; the `xfuse-sweep` and `xfuse-tiny-model` subcommands
do. Importing this package imports none of its modules, so `import allennlp_xfuse` stays cheap:
each user imports the module it needs, and torch / transformers are imported inside the
functions that build or train a model.
"""
