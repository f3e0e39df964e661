"""
The experiment's reporting side: metrics records, the results table, plots, fusion-weight
statistics, the layer sweep, and the discovery/evaluation/caching that `allennlp xfuse-report`
runs. Nothing here registers a component; the `xfuse-*` subcommands import what they need.

Importing this package stays cheap: matplotlib, TextAttack and model code are imported inside the
functions that need them.
"""
