"""
Batch normalization over the real (unmasked) positions of a padded batch.
"""
from typing import Tuple

import torch


class MaskedBatchNorm(torch.nn.Module):
    """
    Batch normalization of the last (channel) dimension whose statistics come from the real
    positions only, so that padding never changes the output at a real position, in training
    mode (batch statistics) as in evaluation mode (running statistics).

    `torch.nn.BatchNorm1d` cannot be used on padded token sequences: its batch statistics
    include the padding, so appending padding to a batch changes every output.

    # Parameters

    num_features : `int`
        The number of channels `C`: the size of the last dimension of the input.
    eps : `float`, optional (default = `1e-5`)
        Added to the variance for numerical stability.
    momentum : `float`, optional (default = `0.1`)
        Weight of the current batch in the exponential running averages of mean and variance.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.weight = torch.nn.Parameter(torch.ones(num_features))
        self.bias = torch.nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, inputs: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        """
        # Parameters

        inputs : `torch.Tensor`
            Shape: `(..., num_features)`, e.g. `(batch_size, num_tokens, num_features)`.
        mask : `torch.BoolTensor`
            Shape: `inputs.shape[:-1]`, e.g. `(batch_size, num_tokens)`; `True` at real positions.

        # Returns

        `torch.Tensor`
            Same shape and dtype as `inputs`. Values at masked positions are normalized with the
            same statistics but carry no meaning.
        """
        if self.training:
            mean, variance = self._masked_statistics(inputs, mask)
        else:
            mean, variance = self.running_mean, self.running_var
        # Statistics and buffers stay float32 under mixed precision (autocast hands this module
        # bf16/fp16 activations): a variance averaged in bf16 loses most of its digits, and the
        # float32 buffers cannot take a bf16 update in place. The normalization folds into one
        # float32 scale and shift per channel, applied in one kernel to the input as it is.
        scale = self.weight * torch.rsqrt(variance + self.eps)
        shift = self.bias - mean * scale
        return torch.addcmul(shift, inputs, scale).to(inputs.dtype)

    def _masked_statistics(
        self, inputs: torch.Tensor, mask: torch.BoolTensor
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        # Masked sums rather than boolean indexing: indexing has a data-dependent shape, which
        # makes a GPU wait for the host (a synchronization per call) and breaks a compiled graph.
        real = mask.reshape(-1, 1)
        # Shape: (num_positions, num_features), zero at padding: whatever the padding holds
        # (even inf/nan) never reaches the statistics.
        values = torch.where(real, inputs.reshape(-1, self.num_features), 0.0).float()
        count = real.sum()
        denominator = count.clamp(min=1)
        mean = values.sum(dim=0) / denominator
        # Biased variance normalizes, as in torch.nn.BatchNorm1d; it is 0 for a single position.
        variance = torch.where(real, values - mean, 0.0).square().sum(dim=0) / denominator
        with torch.no_grad():
            unbiased = variance * (count / (count - 1).clamp(min=1))
            # Without a real position the statistics are zeros: they then normalize nothing
            # real, and must not move the running estimates.
            update = (count > 0) * self.momentum
            self.running_mean.lerp_(mean, update)
            self.running_var.lerp_(unbiased, update)
        return mean, variance

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"
