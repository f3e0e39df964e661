"""
Multi-scale channel attention (MS-CAM, Dai et al., "Attentional Feature Fusion", WACV 2021)
for padded token sequences.
"""
import math
from typing import Optional, Union

import torch
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.modules.masked_batch_norm import MaskedBatchNorm

NORMS = ("layer_norm", "batch_norm")

# The scale of each branch's last norm when `initial_top_weight` is set (see the class).
_INITIAL_GATE_SCALE = 0.01


class _MaskedLayerNorm(torch.nn.LayerNorm):
    """
    `torch.nn.LayerNorm` with the `(inputs, mask)` signature of `MaskedBatchNorm`, so that both
    norms plug into the same place. LayerNorm works per position and needs no mask.
    """

    def forward(self, inputs: torch.Tensor, mask: Optional[torch.BoolTensor]) -> torch.Tensor:
        return super().forward(inputs)


def check_norm(norm: str) -> None:
    """Raises a `ConfigurationError` unless `norm` is one of `NORMS`."""
    if norm not in NORMS:
        raise ConfigurationError(f"Unknown norm {norm!r}: choose one of {', '.join(NORMS)}.")


def sequence_pooling_weights(mask: torch.BoolTensor, dtype: torch.dtype) -> torch.Tensor:
    """
    The weights that turn a masked mean over tokens into one batched matrix product:
    `torch.bmm(weights, inputs)` with `inputs` of shape `(batch_size, num_tokens, dim)` is the
    mean of each sequence's real tokens, shape `(batch_size, 1, dim)`. One kernel where
    AllenNLP's `masked_mean` launches six; computed once per batch and shared by every attention
    of a fusion. A sequence without any real token gets zero weights (a zero mean, as
    `masked_mean` gives).

    Padded positions get weight 0, so any finite value there leaves the mean unchanged (the
    fusion encoders zero their padded inputs, so that not even inf/nan can reach it).

    # Parameters

    mask : `torch.BoolTensor`
        Shape: `(batch_size, num_tokens)`; `True` at real tokens.
    dtype : `torch.dtype`
        The dtype of the tensors the weights will multiply.

    # Returns

    `torch.Tensor`
        Shape: `(batch_size, 1, num_tokens)`, `1 / num_real_tokens` at real tokens, 0 elsewhere.
    """
    weights = mask.unsqueeze(1).to(dtype)
    return weights / weights.sum(dim=-1, keepdim=True).clamp(min=1.0)


def _build_norm(norm: str, num_features: int) -> Union[_MaskedLayerNorm, MaskedBatchNorm]:
    check_norm(norm)
    if norm == "batch_norm":
        return MaskedBatchNorm(num_features)
    return _MaskedLayerNorm(num_features)


class _AttentionBranch(torch.nn.Module):
    """
    One MS-CAM branch: `Norm(PW2(ReLU(Norm(PW1(x)))))`, with PW1: C -> C/r and PW2: C/r -> C.
    A pointwise (kernel-1) convolution over channels is a `Linear` on the last dimension.
    """

    def __init__(self, input_dim: int, bottleneck_dim: int, norm: str) -> None:
        super().__init__()
        # No biases: each convolution feeds a norm that subtracts the mean, which cancels a
        # bias (AllenNLP's NormalizationBiasVerification rejects the redundant parameters).
        self.reduce = torch.nn.Linear(input_dim, bottleneck_dim, bias=False)
        self.reduce_norm = _build_norm(norm, bottleneck_dim)
        self.expand = torch.nn.Linear(bottleneck_dim, input_dim, bias=False)
        self.expand_norm = _build_norm(norm, input_dim)

    def forward(self, inputs: torch.Tensor, mask: Optional[torch.BoolTensor]) -> torch.Tensor:
        # Norm and ReLU adjacent: a compiler fuses them into one kernel.
        hidden = torch.relu(self.reduce_norm(self.reduce(inputs), mask))
        return self.expand_norm(self.expand(hidden), mask)


class MultiscaleChannelAttention(torch.nn.Module):
    """
    Computes the fusion weights `W = sigmoid(L(S) + G(S))` of attentional feature fusion from an
    integrated representation `S`:

        L(S) = Norm(PW2(ReLU(Norm(PW1(S)))))                     local branch, per token
        G(S) = Norm(PW2'(ReLU(Norm(PW1'(masked_mean_T(S))))))    global branch, per sequence

    `G(S)` is broadcast over the tokens. The global mean and, with `norm="batch_norm"`, the
    batch statistics use real tokens only, so padding changes no weight at a real token.

    # Parameters

    input_dim : `int`
        The number of channels `C`.
    reduction_ratio : `int`, optional (default = `4`)
        The bottleneck ratio `r`: each branch maps `C -> C // r -> C`.
    norm : `str`, optional (default = `"layer_norm"`)
        `"layer_norm"` or `"batch_norm"` (a `MaskedBatchNorm`, statistics over real tokens).
    initial_top_weight : `float`, optional (default = `0.95`)
        Every weight `W` at initialization, in (0, 1): the last norm of each branch starts with
        a small scale (0.01) and a bias of `logit(initial_top_weight) / 2`, so `W` starts
        within about 0.001 of it and a fusion `W * X + (1 - W) * Y` starts close to the top
        layer `X` -- adding fusion to a model cannot hurt it before the fusion has learned
        anything. (With the reference initialization, scale 1 and bias 0, `W` starts around
        0.5 and every fusion step first replaces half of the top layer by a lower one.) `None`
        keeps the reference initialization.
    """

    def __init__(
        self,
        input_dim: int,
        reduction_ratio: int = 4,
        norm: str = "layer_norm",
        initial_top_weight: Optional[float] = 0.95,
    ) -> None:
        super().__init__()
        bottleneck_dim = input_dim // reduction_ratio if reduction_ratio > 0 else 0
        if bottleneck_dim < 1:
            raise ConfigurationError(
                f"reduction_ratio must be between 1 and input_dim ({input_dim}), "
                f"got {reduction_ratio}."
            )
        self.norm = norm
        self.local_branch = _AttentionBranch(input_dim, bottleneck_dim, norm)
        self.global_branch = _AttentionBranch(input_dim, bottleneck_dim, norm)
        if initial_top_weight is not None:
            if not 0.0 < initial_top_weight < 1.0:
                raise ConfigurationError(
                    f"initial_top_weight must be in (0, 1) (or null), got {initial_top_weight}."
                )
            logit = math.log(initial_top_weight / (1.0 - initial_top_weight))
            for branch in (self.local_branch, self.global_branch):
                # A small scale, not zero: W starts within about 0.001 of initial_top_weight,
                # and every parameter of the branch gets a gradient from the first step (with
                # a zero scale the convolutions before the norm would get none until the scale
                # has moved).
                torch.nn.init.constant_(branch.expand_norm.weight, _INITIAL_GATE_SCALE)
                torch.nn.init.constant_(branch.expand_norm.bias, logit / 2)

    def forward(
        self,
        integrated: torch.Tensor,
        mask: torch.BoolTensor,
        pooling_weights: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """
        # Parameters

        integrated : `torch.Tensor`
            `S`, shape: `(batch_size, num_tokens, input_dim)`.
        mask : `torch.BoolTensor`
            Shape: `(batch_size, num_tokens)`; `True` at real tokens.
        pooling_weights : `torch.Tensor`, optional
            `sequence_pooling_weights(mask, ...)`, shape `(batch_size, 1, num_tokens)`, when the
            caller already has them (a fusion shares them between its attentions); computed
            from `mask` otherwise.

        # Returns

        `torch.Tensor`
            The weights `W` in (0, 1), shape: `(batch_size, num_tokens, input_dim)`.
        """
        if pooling_weights is None:
            pooling_weights = sequence_pooling_weights(mask, integrated.dtype)
        elif pooling_weights.dtype != integrated.dtype:
            # bmm takes operands of one dtype (never the case in the fusion encoders, where
            # both follow the input's dtype)
            pooling_weights = pooling_weights.to(integrated.dtype)
        local = self.local_branch(integrated, mask)
        # The global branch runs on one pooled vector per sequence, not on every token.
        # Shape: (batch_size, input_dim)
        sequence_means = torch.bmm(pooling_weights, integrated).squeeze(1)
        # A sequence without any real token has no mean: batch norm keeps it out of its
        # statistics. LayerNorm needs no mask (and no kernel to build one).
        sequence_mask = mask.any(dim=1) if self.norm == "batch_norm" else None
        global_ = self.global_branch(sequence_means, sequence_mask)
        return torch.sigmoid(local + global_.unsqueeze(1))
