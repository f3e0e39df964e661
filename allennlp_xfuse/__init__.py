"""allennlp-xfuse: feature aggregation over multilingual encoder layers for AllenNLP.

Importing this package registers every component (token embedders, aggregators, dataset readers,
predictors, attack recipes, subcommands) with AllenNLP's registries, so configs can name them and
`--include-package allennlp_xfuse` (or the `.allennlp_plugins` file) is all a user needs.
"""
# archive_safety first: it makes every tar extraction in the process safe (see its docstring)
from allennlp_xfuse import archive_safety, stock_command_errors  # noqa: F401  # isort: skip
from allennlp_xfuse import attacks, commands, data, modules, predictors  # noqa: F401
