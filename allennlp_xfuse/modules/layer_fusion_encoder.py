"""
What the `dlfa` and `aif` encoders share: splitting the embedder's concatenation of layers back
into layers and fusing them into one representation per token.
"""
from typing import List, Optional

import torch
from allennlp.common import FromParams
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.modules.layer_fusion import build_layer_fusion


class LayerFusionEncoder(torch.nn.Module, FromParams):
    """
    The shared part of the `dlfa` and `aif` encoders: it splits the input, of shape
    `(batch_size, num_tokens, num_layers * hidden_dim)`, into `num_layers` layers and fuses them
    into `(batch_size, num_tokens, hidden_dim)`, with zeros at padded tokens. The registered
    encoders combine it with AllenNLP's `Seq2SeqEncoder` or `Seq2VecEncoder`.

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

    # The number of layers an encoder is defined for ("dlfa": 2); None accepts any number >= 2.
    required_num_layers: Optional[int] = None

    def __init__(
        self,
        input_dim: int,
        num_layers: int,
        reduction_ratio: int = 4,
        iterative: bool = False,
        norm: str = "layer_norm",
        dropout: float = 0.0,
        fusion: str = "aif",
        initial_top_weight: Optional[float] = 0.95,
        implementation: str = "eager",
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if self.required_num_layers is not None and num_layers != self.required_num_layers:
            raise ConfigurationError(
                f"{name} fuses exactly {self.required_num_layers} layers, got num_layers="
                f"{num_layers}; use the 'aif' encoder for another number of layers."
            )
        if num_layers < 2:
            raise ConfigurationError(f"{name} needs num_layers >= 2, got {num_layers}.")
        if input_dim % num_layers != 0:
            raise ConfigurationError(
                f"{name}: num_layers={num_layers} does not divide input_dim={input_dim}; the "
                f"input must be {num_layers} layers of equal size concatenated (input_dim = "
                "num_layers * hidden size)."
            )
        self._input_dim = input_dim
        self._num_layers = num_layers
        self._hidden_dim = input_dim // num_layers
        self.fusion = build_layer_fusion(
            fusion,
            self._hidden_dim,
            num_layers,
            reduction_ratio=reduction_ratio,
            iterative=iterative,
            norm=norm,
            initial_top_weight=initial_top_weight,
            implementation=implementation,
        )
        self.dropout = torch.nn.Dropout(dropout)

    def get_input_dim(self) -> int:
        return self._input_dim

    def get_output_dim(self) -> int:
        return self._hidden_dim

    def is_bidirectional(self) -> bool:
        return False

    def fusion_weights(self) -> List[torch.Tensor]:
        """
        The weights `W` of the last forward pass of every attentional fusion step, top step
        first, each `(batch_size, num_tokens, hidden_dim)` and detached; `1 - W` is the share of
        the lower layer. Empty for fusions other than `"aif"` and before the first forward pass.
        """
        return self.fusion.fusion_weights()

    def _fuse_layers(
        self, inputs: torch.Tensor, mask: Optional[torch.BoolTensor]
    ) -> torch.Tensor:
        """
        # Parameters

        inputs : `torch.Tensor`
            Shape: `(batch_size, num_tokens, input_dim)`.
        mask : `torch.BoolTensor`, optional
            Shape: `(batch_size, num_tokens)`; `None` means every token is real.

        # Returns

        `torch.Tensor`
            Shape: `(batch_size, num_tokens, hidden_dim)`, zeros at padded tokens; float32
            under autocast (the fusion runs in float32 there), else the dtype of `inputs`.
        """
        if inputs.size(-1) != self._input_dim:
            # Model constructors do not always compare the embedder's output with this input
            # (basic_classifier does not without a seq2seq encoder), so say what disagrees.
            raise ConfigurationError(
                f"{type(self).__name__} expects input_dim={self._input_dim} ({self._num_layers} "
                f"layers of {self._hidden_dim}) but got inputs of size {inputs.size(-1)}: the "
                "embedder's `layers` and this encoder's `input_dim`/`num_layers` disagree."
            )
        if mask is None:
            mask = inputs.new_ones(inputs.shape[:-1], dtype=torch.bool)
        device_type = inputs.device.type
        if torch.is_autocast_enabled(device_type):
            # Under mixed precision the fusion runs in float32, autocast off: one cast of the
            # input instead of autocast's casts around every one of its small matrix products
            # and norms (each a kernel launch, and the head is launch-bound on a GPU), and
            # float32 gates. Its matrix products are too small for bf16/fp16 to save time.
            with torch.autocast(device_type, enabled=False):
                return self._fuse_layers(inputs.float(), mask)
        real = mask.unsqueeze(-1)
        # Once for all layers and steps: the fusion's sequence means weight padding by zero,
        # and zero times inf or nan would still reach them. (`where`: one kernel, where
        # `masked_fill` copies, then fills.)
        inputs = torch.where(real, inputs, 0.0)
        layers = list(inputs.split(self._hidden_dim, dim=-1))
        fused = self.fusion(layers, mask)
        if self.dropout.p > 0:  # p = 0 would still launch a kernel in training mode
            fused = self.dropout(fused)
        return torch.where(real, fused, 0.0)
