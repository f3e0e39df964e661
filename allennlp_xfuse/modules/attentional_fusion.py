"""
Attentional feature fusion (AFF / iAFF of Dai et al., WACV 2021) of two layers of an encoder.
"""
from typing import Optional, Tuple

import torch

from allennlp_xfuse.modules.multiscale_channel_attention import (
    MultiscaleChannelAttention,
    sequence_pooling_weights,
)


class AttentionalFusion(torch.nn.Module):
    """
    Fuses a top representation `X` (a later encoder layer) with a lower one `Y`, token by token
    and channel by channel:

        S = X + Y
        W = sigmoid(L(S) + G(S))          (see `MultiscaleChannelAttention`)
        Z = W * X + (1 - W) * Y

    With `iterative=True` (iAFF) a first attention gives `S' = W1 * X + (1 - W1) * Y` and a
    second one, with its own parameters, computes the final `W` from `S'` instead of `S`.

    Padding changes no output at a real token. After each forward pass `last_weights` holds the
    final `W`, detached, shape `(batch_size, num_tokens, input_dim)`: `1 - W` is the share taken
    from the lower layer.

    # Parameters

    input_dim : `int`
        The number of channels `C` of both inputs and of the output.
    reduction_ratio : `int`, optional (default = `4`)
        The bottleneck ratio `r` of the pointwise convolutions, `C -> C // r -> C`.
    iterative : `bool`, optional (default = `False`)
        Use iterative attentional feature fusion (iAFF).
    norm : `str`, optional (default = `"layer_norm"`)
        `"layer_norm"`, or `"batch_norm"` for a `MaskedBatchNorm` whose statistics use real
        tokens only.
    dropout : `float`, optional (default = `0.0`)
        Dropout applied to the fused output `Z`.
    initial_top_weight : `float`, optional (default = `0.95`)
        `W` at initialization (of both attentions with `iterative`), so that `Z` starts as
        `0.95 * X + 0.05 * Y`, close to the top layer; `None` keeps the reference initialization
        (`W` around 0.5). See `MultiscaleChannelAttention`.
    """

    def __init__(
        self,
        input_dim: int,
        reduction_ratio: int = 4,
        iterative: bool = False,
        norm: str = "layer_norm",
        dropout: float = 0.0,
        initial_top_weight: Optional[float] = 0.95,
    ) -> None:
        super().__init__()
        self.input_dim = input_dim
        self.attention = MultiscaleChannelAttention(
            input_dim, reduction_ratio, norm, initial_top_weight
        )
        self.refining_attention: Optional[MultiscaleChannelAttention] = None
        if iterative:
            self.refining_attention = MultiscaleChannelAttention(
                input_dim, reduction_ratio, norm, initial_top_weight
            )
        self.dropout = torch.nn.Dropout(dropout)
        self.last_weights: Optional[torch.Tensor] = None

    def forward(
        self,
        top: torch.Tensor,
        lower: torch.Tensor,
        mask: torch.BoolTensor,
        pooling_weights: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """
        # Parameters

        top : `torch.Tensor`
            `X`, shape: `(batch_size, num_tokens, input_dim)`.
        lower : `torch.Tensor`
            `Y`, shape: `(batch_size, num_tokens, input_dim)`.
        mask : `torch.BoolTensor`
            Shape: `(batch_size, num_tokens)`; `True` at real tokens.
        pooling_weights : `torch.Tensor`, optional
            `sequence_pooling_weights(mask, top.dtype)`, shape `(batch_size, 1, num_tokens)`,
            when the caller shares them between fusion steps; computed from `mask` otherwise.

        # Returns

        `torch.Tensor`
            `Z`, shape: `(batch_size, num_tokens, input_dim)`.
        """
        fused, weights = self.fuse(top, lower, mask, pooling_weights)
        # Kept for inspection only: detached, so holding it keeps no autograd graph alive.
        self.last_weights = weights.detach()
        return fused

    def fuse(
        self,
        top: torch.Tensor,
        lower: torch.Tensor,
        mask: torch.BoolTensor,
        pooling_weights: Optional[torch.Tensor] = None,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        `forward` without its side effect: returns `Z` and `W` (not detached) and leaves
        `last_weights` alone, so that `torch.compile` can trace it in one graph (see
        `AttentionalLayerFusion`). Same parameters as `forward`.
        """
        if pooling_weights is None:
            pooling_weights = sequence_pooling_weights(mask, top.dtype)
        weights = self.attention(top + lower, mask, pooling_weights)
        if self.refining_attention is not None:
            weights = self.refining_attention(mix(weights, top, lower), mask, pooling_weights)
        fused = mix(weights, top, lower)
        if self.dropout.p > 0:  # p = 0 would still launch a kernel in training mode
            fused = self.dropout(fused)
        return fused, weights


def mix(weights: torch.Tensor, top: torch.Tensor, lower: torch.Tensor) -> torch.Tensor:
    """
    `W * X + (1 - W) * Y` as one `torch.lerp` kernel (four element-wise kernels, and four more
    in the backward pass, written out). The result has the dtype `W * X + (1 - W) * Y` would
    have: under autocast, `W` can be bf16/fp16 while the layers are float32, and `lerp` takes
    operands of one dtype only.

    # Parameters

    weights : `torch.Tensor`
        `W`, the share of `top`.
    top : `torch.Tensor`
        `X`.
    lower : `torch.Tensor`
        `Y`, same shape as `top`.
    """
    dtype = torch.promote_types(torch.promote_types(weights.dtype, top.dtype), lower.dtype)
    # `.to` of a tensor that already has the dtype is free: no copy, no kernel.
    return torch.lerp(lower.to(dtype), top.to(dtype), weights.to(dtype))
