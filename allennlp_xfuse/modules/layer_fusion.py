"""
Ways to fuse K same-sized layer representations into one: attentional fusion and the simple
baselines it is compared with in ablations.
"""
from typing import Iterable, List, Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.scalar_mix import ScalarMix

from allennlp_xfuse.modules.attentional_fusion import AttentionalFusion
from allennlp_xfuse.modules.multiscale_channel_attention import check_norm

FUSIONS = ("aif", "sum", "mean", "concat", "scalar_mix")


class LayerFusion(torch.nn.Module):
    """
    Fuses `num_layers` representations of the same tokens, ordered lowest first and top last,
    each of shape `(batch_size, num_tokens, hidden_dim)`, into one of the same shape.
    """

    def forward(self, layers: List[torch.Tensor], mask: torch.BoolTensor) -> torch.Tensor:
        raise NotImplementedError

    def fusion_weights(self) -> List[torch.Tensor]:
        """
        The weights `W` of the last forward pass of every attentional fusion step, top step
        first, each `(batch_size, num_tokens, hidden_dim)`; empty when the fusion has none.
        """
        return []


class AttentionalLayerFusion(LayerFusion):
    """
    Progressive attentional fusion from the top: `Z = h_K`, then for `k = K-1 .. 1`:
    `Z = AIF_k(Z, h_k)`, each step an `AttentionalFusion` with its own parameters.

    # Parameters

    steps : `Iterable[AttentionalFusion]`
        The `K - 1` fusion steps, top step first: the first fuses `h_K` with `h_{K-1}`, the
        last reaches the lowest layer `h_1`.
    """

    def __init__(self, steps: Iterable[AttentionalFusion]) -> None:
        super().__init__()
        self.steps = torch.nn.ModuleList(steps)
        if not self.steps:
            raise ConfigurationError("Attentional fusion needs at least 2 layers (1 step).")

    def forward(self, layers: List[torch.Tensor], mask: torch.BoolTensor) -> torch.Tensor:
        fused = layers[-1]
        for step, lower in zip(self.steps, reversed(layers[:-1])):
            fused = step(fused, lower, mask)
        return fused

    def fusion_weights(self) -> List[torch.Tensor]:
        return [step.last_weights for step in self.steps if step.last_weights is not None]


class SumLayerFusion(LayerFusion):
    """The element-wise sum of the layers."""

    def forward(self, layers: List[torch.Tensor], mask: torch.BoolTensor) -> torch.Tensor:
        return torch.stack(layers).sum(dim=0)


class MeanLayerFusion(LayerFusion):
    """The element-wise mean of the layers."""

    def forward(self, layers: List[torch.Tensor], mask: torch.BoolTensor) -> torch.Tensor:
        return torch.stack(layers).mean(dim=0)


class ConcatLayerFusion(LayerFusion):
    """
    The layers concatenated on the last dimension and projected back by a `Linear`.

    # Parameters

    hidden_dim : `int`
        The size of each layer representation and of the output.
    num_layers : `int`
        The number of layers fused.
    """

    def __init__(self, hidden_dim: int, num_layers: int) -> None:
        super().__init__()
        self.projection = torch.nn.Linear(num_layers * hidden_dim, hidden_dim)

    def forward(self, layers: List[torch.Tensor], mask: torch.BoolTensor) -> torch.Tensor:
        return self.projection(torch.cat(layers, dim=-1))


class ScalarMixLayerFusion(LayerFusion):
    """
    AllenNLP's `ScalarMix`: a softmax-normalized learned weight per layer, times a learned scale.

    # Parameters

    num_layers : `int`
        The number of layers fused.
    """

    def __init__(self, num_layers: int) -> None:
        super().__init__()
        self.scalar_mix = ScalarMix(num_layers)

    def forward(self, layers: List[torch.Tensor], mask: torch.BoolTensor) -> torch.Tensor:
        return self.scalar_mix(layers, mask)


def build_layer_fusion(
    fusion: str,
    hidden_dim: int,
    num_layers: int,
    *,
    reduction_ratio: int,
    iterative: bool,
    norm: str,
    initial_top_weight: Optional[float] = 0.95,
) -> LayerFusion:
    """
    Builds the `LayerFusion` named `fusion` (one of `FUSIONS`) for `num_layers` layers of size
    `hidden_dim`. `reduction_ratio`, `iterative`, `norm` and `initial_top_weight` configure the
    `AttentionalFusion` steps of `"aif"` and are ignored by the others.
    """
    # Checked for every fusion, so that switching an ablation back to "aif" cannot surface a
    # typo that the other fusions silently ignored.
    check_norm(norm)
    if fusion == "aif":
        return AttentionalLayerFusion(
            AttentionalFusion(
                hidden_dim, reduction_ratio, iterative, norm, initial_top_weight=initial_top_weight
            )
            for _ in range(num_layers - 1)
        )
    if fusion == "sum":
        return SumLayerFusion()
    if fusion == "mean":
        return MeanLayerFusion()
    if fusion == "concat":
        return ConcatLayerFusion(hidden_dim, num_layers)
    if fusion == "scalar_mix":
        return ScalarMixLayerFusion(num_layers)
    raise ConfigurationError(f"Unknown fusion {fusion!r}: choose one of {', '.join(FUSIONS)}.")
