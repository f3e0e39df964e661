from typing import Optional

import torch
from allennlp.modules.seq2seq_encoders import Seq2SeqEncoder

from allennlp_xfuse.modules.layer_fusion_encoder import LAYER_FUSION_PARAMETERS, LayerFusionEncoder


@Seq2SeqEncoder.register("aif")
class AifSeq2SeqEncoder(LayerFusionEncoder, Seq2SeqEncoder):
    """
    Fuses `num_layers >= 2` encoder layers into one representation per token with attentional
    feature fusion, progressively from the top: `Z = h_K`, then for `k = K-1 .. 1`:
    `Z = AIF_k(Z, h_k)`, each step with its own parameters. For word-level tasks (tagging).

    Input shape: `(batch_size, num_tokens, num_layers * hidden_dim)`, the layers in ascending
    order (top last); output shape: `(batch_size, num_tokens, hidden_dim)`, zeros at padding.

    Registered as a `Seq2SeqEncoder` with name "aif".

    # Parameters
    """

    __doc__ += LAYER_FUSION_PARAMETERS

    def forward(
        self, inputs: torch.Tensor, mask: Optional[torch.BoolTensor] = None
    ) -> torch.Tensor:
        return self._fuse_layers(inputs, mask)
