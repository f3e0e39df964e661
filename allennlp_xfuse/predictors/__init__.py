from allennlp_xfuse.predictors.pawsx import PawsxPredictor  # noqa: F401
from allennlp_xfuse.predictors.word_tagger import WordTaggerPredictor  # noqa: F401
