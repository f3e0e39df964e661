from allennlp_xfuse.modules.token_embedders.multilayer_pretrained_transformer_embedder import (
    MultilayerPretrainedTransformerEmbedder,
)
from allennlp_xfuse.modules.token_embedders.multilayer_pretrained_transformer_mismatched_embedder import (  # noqa: E501
    MultilayerPretrainedTransformerMismatchedEmbedder,
)

__all__ = [
    "MultilayerPretrainedTransformerEmbedder",
    "MultilayerPretrainedTransformerMismatchedEmbedder",
]
