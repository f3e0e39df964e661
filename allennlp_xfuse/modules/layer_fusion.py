"""
Ways to fuse K same-sized layer representations into one: attentional fusion and the simple
baselines it is compared with in ablations.
"""
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.scalar_mix import ScalarMix

from allennlp_xfuse.modules.attentional_fusion import AttentionalFusion
from allennlp_xfuse.modules.multiscale_channel_attention import (
    check_norm,
    sequence_pooling_weights,
)

FUSIONS = ("aif", "sum", "mean", "concat", "scalar_mix")

# "eager": plain PyTorch, the reference; "compiled": the same math through `torch.compile`.
IMPLEMENTATIONS = ("eager", "compiled")

# The `torch.compile` backend of the "compiled" implementation. Inductor fuses the element-wise
# work into a few kernels; it needs a C++ compiler on the CPU and Triton on a GPU. (The tests
# use "aot_eager", which checks the traced forward and backward graphs in seconds.)
COMPILE_BACKEND = "inductor"


def check_implementation(implementation: str) -> None:
    """Raises a `ConfigurationError` unless `implementation` is one of `IMPLEMENTATIONS`."""
    if implementation not in IMPLEMENTATIONS:
        raise ConfigurationError(
            f"Unknown implementation {implementation!r}: choose one of "
            f"{', '.join(IMPLEMENTATIONS)}."
        )


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
    implementation : `str`, optional (default = `"eager"`)
        `"eager"`: plain PyTorch, correct on every device and the reference. `"compiled"`: the
        same computation, all steps in one graph, through `torch.compile` (backend
        `COMPILE_BACKEND`), which fuses the element-wise work into far fewer kernels; the
        first batch of each new shape (and each switch between training and evaluation) pays
        the compilation. The parameters, `state_dict` and kept weights are the same in both.
    """

    def __init__(self, steps: Iterable[AttentionalFusion], implementation: str = "eager") -> None:
        super().__init__()
        self.steps = torch.nn.ModuleList(steps)
        if not self.steps:
            raise ConfigurationError("Attentional fusion needs at least 2 layers (1 step).")
        check_implementation(implementation)
        self.implementation = implementation
        # Built on first use: a compiled function is no part of the model's state.
        self._compiled_fuse: Optional[Callable[..., Any]] = None

    def forward(self, layers: List[torch.Tensor], mask: torch.BoolTensor) -> torch.Tensor:
        if self.implementation == "compiled":
            if self._compiled_fuse is None:
                self._compiled_fuse = torch.compile(self._fuse, backend=COMPILE_BACKEND)
            fuse = self._compiled_fuse
        else:
            fuse = self._fuse
        fused, weights = fuse(tuple(layers), mask)
        # Set outside `_fuse`: an attribute write inside a compiled region would break its graph.
        for step, step_weights in zip(self.steps, weights):
            step.last_weights = step_weights.detach()
        return fused

    def _fuse(
        self, layers: Sequence[torch.Tensor], mask: torch.BoolTensor
    ) -> Tuple[torch.Tensor, Tuple[torch.Tensor, ...]]:
        # One set of pooling weights for every attention of every step.
        pooling_weights = sequence_pooling_weights(mask, layers[-1].dtype)
        fused = layers[-1]
        weights = []
        for step, lower in zip(self.steps, reversed(layers[:-1])):
            fused, step_weights = step.fuse(fused, lower, mask, pooling_weights)
            weights.append(step_weights)
        return fused, tuple(weights)

    def fusion_weights(self) -> List[torch.Tensor]:
        return [step.last_weights for step in self.steps if step.last_weights is not None]

    def __getstate__(self) -> Dict[str, Any]:
        # A compiled function does not pickle or deep-copy; it is rebuilt on first use.
        state = self.__dict__.copy()
        state["_compiled_fuse"] = None
        return state


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
    implementation: str = "eager",
) -> LayerFusion:
    """
    Builds the `LayerFusion` named `fusion` (one of `FUSIONS`) for `num_layers` layers of size
    `hidden_dim`. `reduction_ratio`, `iterative`, `norm`, `initial_top_weight` and
    `implementation` (one of `IMPLEMENTATIONS`) configure the attentional fusion of `"aif"` and
    are ignored by the others.
    """
    # Checked for every fusion, so that switching an ablation back to "aif" cannot surface a
    # typo that the other fusions silently ignored.
    check_norm(norm)
    check_implementation(implementation)
    if fusion == "aif":
        return AttentionalLayerFusion(
            (
                AttentionalFusion(
                    hidden_dim,
                    reduction_ratio,
                    iterative,
                    norm,
                    initial_top_weight=initial_top_weight,
                )
                for _ in range(num_layers - 1)
            ),
            implementation=implementation,
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
