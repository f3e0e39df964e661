from allennlp_xfuse.predictors.pawsx import PawsxPredictor  # noqa: F401
