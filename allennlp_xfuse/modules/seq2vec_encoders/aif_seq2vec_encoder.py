"""The `aif` Seq2VecEncoder: progressive attentional fusion of K layers, then pooling."""
from typing import Any, Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.seq2vec_encoders import Seq2VecEncoder
from allennlp.nn.util import masked_mean

from allennlp_xfuse.modules.layer_fusion_encoder import LayerFusionEncoder

POOLINGS = ("cls", "mean")


@Seq2VecEncoder.register("aif")
class AifSeq2VecEncoder(LayerFusionEncoder, Seq2VecEncoder):
    """
    Fuses `num_layers >= 2` encoder layers with attentional feature fusion, progressively from
    the top (`Z = h_K`, then for `k = K-1 .. 1`: `Z = AIF_k(Z, h_k)`, each step with its own
    parameters), then pools the fused tokens into one vector. For sequence (pair)
    classification.

    Input shape: `(batch_size, num_tokens, num_layers * hidden_dim)`, the layers in ascending
    order (top last); output shape: `(batch_size, hidden_dim)` (or the `pooler`'s output).

    Registered as a `Seq2VecEncoder` with name "aif".

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
    pooling : `str`, optional (default = `"cls"`)
        How the fused tokens become one vector when there is no `pooler`: `"cls"` takes the
        first token (BERT's `[CLS]`), `"mean"` averages the real tokens.
    pooler : `Seq2VecEncoder`, optional (default = `None`)
        A head that pools the fused tokens instead, e.g. AllenNLP's `bert_pooler` (the
        pretrained dense + tanh on `[CLS]` that `BertForSequenceClassification` and XTREME's
        baseline use), so that a fusion model and its baseline differ only in the fusion. Its
        input dim must be `hidden_dim`; the encoder's output dim is then the pooler's.
    """

    def __init__(
        self, pooling: str = "cls", pooler: Optional[Seq2VecEncoder] = None, **kwargs: Any
    ) -> None:
        if pooling not in POOLINGS:
            raise ConfigurationError(
                f"Unknown pooling {pooling!r}: choose one of {', '.join(POOLINGS)}."
            )
        super().__init__(**kwargs)
        if pooler is not None and pooler.get_input_dim() != self._hidden_dim:
            raise ConfigurationError(
                f"{type(self).__name__}: the pooler takes inputs of size {pooler.get_input_dim()}"
                f" but the fused tokens have size {self._hidden_dim} (input_dim / num_layers)."
            )
        self._pooling = pooling
        self.pooler = pooler

    def get_output_dim(self) -> int:
        return self.pooler.get_output_dim() if self.pooler is not None else self._hidden_dim

    def forward(
        self, inputs: torch.Tensor, mask: Optional[torch.BoolTensor] = None
    ) -> torch.Tensor:
        """
        # Parameters

        inputs : `torch.Tensor`
            Shape: `(batch_size, num_tokens, input_dim)`.
        mask : `torch.BoolTensor`, optional
            Shape: `(batch_size, num_tokens)`.

        # Returns

        `torch.Tensor`
            Shape: `(batch_size, output_dim)`: `hidden_dim`, or the pooler's output dim.
        """
        fused = self._fuse_layers(inputs, mask)
        if self.pooler is not None:
            return self.pooler(fused, mask)
        if self._pooling == "cls":
            return fused[:, 0]
        if mask is None:
            return fused.mean(dim=1)
        return masked_mean(fused, mask.unsqueeze(-1), dim=1)
