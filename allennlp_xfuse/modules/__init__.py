"""
Modules of allennlp-xfuse: multi-layer transformer token embedders, attentional feature fusion
and the `dlfa` / `aif` encoders that fuse layers. Importing this package registers them.
"""
from allennlp_xfuse.modules.attentional_fusion import AttentionalFusion
from allennlp_xfuse.modules.layer_fusion import LayerFusion, build_layer_fusion
from allennlp_xfuse.modules.layer_fusion_encoder import LayerFusionEncoder
from allennlp_xfuse.modules.masked_batch_norm import MaskedBatchNorm
from allennlp_xfuse.modules.multiscale_channel_attention import MultiscaleChannelAttention
from allennlp_xfuse.modules.seq2seq_encoders import AifSeq2SeqEncoder, DlfaSeq2SeqEncoder
from allennlp_xfuse.modules.seq2vec_encoders import AifSeq2VecEncoder, DlfaSeq2VecEncoder
from allennlp_xfuse.modules.token_embedders import (
    MultilayerPretrainedTransformerEmbedder,
    MultilayerPretrainedTransformerMismatchedEmbedder,
)

__all__ = [
    "AifSeq2SeqEncoder",
    "AifSeq2VecEncoder",
    "AttentionalFusion",
    "DlfaSeq2SeqEncoder",
    "DlfaSeq2VecEncoder",
    "LayerFusion",
    "LayerFusionEncoder",
    "MaskedBatchNorm",
    "MultilayerPretrainedTransformerEmbedder",
    "MultilayerPretrainedTransformerMismatchedEmbedder",
    "MultiscaleChannelAttention",
    "build_layer_fusion",
]
