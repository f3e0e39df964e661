from typing import Any

from allennlp.modules.seq2vec_encoders import Seq2VecEncoder

from allennlp_xfuse.modules.layer_fusion_encoder import LAYER_FUSION_PARAMETERS
from allennlp_xfuse.modules.seq2vec_encoders.aif_seq2vec_encoder import (
    POOLING_PARAMETER,
    AifSeq2VecEncoder,
)


@Seq2VecEncoder.register("dlfa")
class DlfaSeq2VecEncoder(AifSeq2VecEncoder):
    """
    Double-layer feature aggregation, the setup of the feature-aggregation paper: fuses a lower
    layer with the top one with one attentional feature fusion step, then pools the fused
    tokens into one vector. The input is what the `multilayer_pretrained_transformer` embedder
    writes with `layers: [k, -1]`.

    Input shape: `(batch_size, num_tokens, 2 * hidden_dim)`, lower layer first; output shape:
    `(batch_size, hidden_dim)`.

    Registered as a `Seq2VecEncoder` with name "dlfa".

    # Parameters
    """

    __doc__ += LAYER_FUSION_PARAMETERS + POOLING_PARAMETER

    required_num_layers = 2

    def __init__(self, input_dim: int, num_layers: int = 2, **kwargs: Any) -> None:
        super().__init__(input_dim=input_dim, num_layers=num_layers, **kwargs)
