"""The `aif` Seq2SeqEncoder: progressive attentional fusion of K layers, per token."""
from typing import Optional

import torch
from allennlp.modules.seq2seq_encoders import Seq2SeqEncoder

from allennlp_xfuse.modules.layer_fusion_encoder import LayerFusionEncoder


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

    input_dim : `int`
        The size of the input: `num_layers` layer representations of the same size concatenated
        on the last dimension, lowest layer first and top layer last, as the
        `multilayer_pretrained_transformer` embedder writes them with ascending `layers`.
    num_layers : `int`
        How many layers the input holds (`dlfa`: 2). Must divide `input_dim`.
    reduction_ratio : `int`, optional (default = `4`)
        The bottleneck ratio `r` of the attention's pointwise convolutions (`C -> C // r -> C`).
    iterative : `bool`, optional (default = `False`)
        Use iterative attentional feature fusion (iAFF) in every fusion step.
    norm : `str`, optional (default = `"layer_norm"`)
        The attention's normalization: `"layer_norm"`, or `"batch_norm"` (batch statistics over
        real tokens only).
    dropout : `float`, optional (default = `0.0`)
        Dropout on the fused token representations.
    fusion : `str`, optional (default = `"aif"`)
        How the layers are fused: `"aif"` (attentional fusion, progressively from the top),
        or, for ablations, `"sum"`, `"mean"`, `"concat"` (concatenation and a `Linear`
        projection) or `"scalar_mix"` (AllenNLP's `ScalarMix`). `reduction_ratio`,
        `iterative`, `norm` and `initial_top_weight` only apply to `"aif"`.
    initial_top_weight : `float`, optional (default = `0.95`)
        Every fusion weight `W` at initialization: each step starts as
        `0.95 * upper + 0.05 * lower`, so the fusion starts close to the baseline (the top
        layer) and cannot hurt before it has learned; `null` keeps AFF's reference
        initialization (`W` around 0.5).
    implementation : `str`, optional (default = `"eager"`)
        How `"aif"` runs: `"eager"` (plain PyTorch, the reference, correct everywhere) or
        `"compiled"` (the same computation through `torch.compile`: fewer, fused kernels, for
        GPUs; the first batch of each new shape pays the compilation). Parameters and
        archives are the same in both, so a model trained with one runs with the other.
    """

    def forward(
        self, inputs: torch.Tensor, mask: Optional[torch.BoolTensor] = None
    ) -> torch.Tensor:
        return self._fuse_layers(inputs, mask)
