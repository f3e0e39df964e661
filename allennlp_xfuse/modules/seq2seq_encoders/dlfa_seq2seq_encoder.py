from typing import Any

from allennlp.modules.seq2seq_encoders import Seq2SeqEncoder

from allennlp_xfuse.modules.layer_fusion_encoder import LAYER_FUSION_PARAMETERS
from allennlp_xfuse.modules.seq2seq_encoders.aif_seq2seq_encoder import AifSeq2SeqEncoder


@Seq2SeqEncoder.register("dlfa")
class DlfaSeq2SeqEncoder(AifSeq2SeqEncoder):
    """
    Double-layer feature aggregation: fuses a lower layer with the top one, per token, with one
    attentional feature fusion step. The input is what the `multilayer_pretrained_transformer`
    embedder writes with `layers: [k, -1]`.

    Input shape: `(batch_size, num_tokens, 2 * hidden_dim)`, lower layer first; output shape:
    `(batch_size, num_tokens, hidden_dim)`, zeros at padding.

    Registered as a `Seq2SeqEncoder` with name "dlfa".

    # Parameters
    """

    __doc__ += LAYER_FUSION_PARAMETERS

    required_num_layers = 2

    def __init__(self, input_dim: int, num_layers: int = 2, **kwargs: Any) -> None:
        super().__init__(input_dim=input_dim, num_layers=num_layers, **kwargs)
