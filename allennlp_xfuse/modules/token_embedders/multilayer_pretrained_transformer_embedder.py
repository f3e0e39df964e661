"""
A `PretrainedTransformerEmbedder` that outputs several hidden layers instead of the last one.
"""
from typing import Any, Dict, List, Optional, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.token_embedders import PretrainedTransformerEmbedder, TokenEmbedder


def _request_hidden_states(
    module: torch.nn.Module, args: Tuple[Any, ...], kwargs: dict
) -> Tuple[Tuple[Any, ...], dict]:
    # Asked per call rather than through the model config, so that the (shared) config and any
    # other user of the transformer are left as they are.
    return args, {**kwargs, "output_hidden_states": True}


def _drop_pooler_weights(
    module: torch.nn.Module, state_dict: Dict[str, Any], prefix: str, *args: Any
) -> None:
    # Archives written before the embedder dropped its unused pooler carry its weights; they
    # load, and the weights are ignored.
    for key in [k for k in state_dict if k.startswith(f"{prefix}transformer_model.pooler.")]:
        del state_dict[key]


@TokenEmbedder.register("multilayer_pretrained_transformer")
class MultilayerPretrainedTransformerEmbedder(PretrainedTransformerEmbedder):
    """
    Like `PretrainedTransformerEmbedder`, but outputs the hidden states of several layers,
    concatenated on the last dimension in the listed order:
    `(batch_size, num_wordpieces, len(layers) * hidden_size)`. The concatenation lets several
    layers flow unchanged through a `TextFieldEmbedder` into any model, where an encoder such as
    `dlfa` or `aif` fuses them.

    Everything else works as in the parent: long sequences are folded into `max_length`
    segments and unfolded again (for every selected layer), `train_parameters`, `eval_mode`,
    `gradient_checkpointing`, `override_weights_file`, `load_weights`, `tokenizer_kwargs`,
    `transformer_kwargs` and the other parameters keep their meaning.

    Registered as a `TokenEmbedder` with name "multilayer_pretrained_transformer".

    # Parameters

    model_name : `str`
        The name of the `transformers` model to use, as for the `PretrainedTransformerIndexer`.
    layers : `List[int]`, optional (default = `None`)
        The layers to output, as indices into Hugging Face's `hidden_states`: 0 is the
        embedding output and 1..N the N transformer layers; negative indices count from the
        end (-1 is the last layer). `None` outputs all N+1. They must be distinct and in
        ascending order once negative indices are resolved (the top layer last, e.g. `[8, -1]`
        for `dlfa`): the fusion encoders fuse from the last listed layer down, so `[-1, 9]` or
        `[12, -1]` on a 12-layer encoder would silently fuse the wrong layers.
    **kwargs : `Any`
        Any other parameter of `PretrainedTransformerEmbedder` (`max_length`, `sub_module`,
        `train_parameters`, `eval_mode`, `override_weights_file`,
        `override_weights_strip_prefix`, `reinit_modules`, `load_weights`,
        `gradient_checkpointing`, `tokenizer_kwargs`, `transformer_kwargs`), with the same
        meaning. `last_layer_only: false` is rejected: `layers` says which layers to use.
    """

    def __init__(
        self, model_name: str, *, layers: Optional[List[int]] = None, **kwargs: Any
    ) -> None:
        if not kwargs.pop("last_layer_only", True):
            raise ConfigurationError(
                "multilayer_pretrained_transformer does not take last_layer_only: false (a "
                "scalar mix of all layers); list the layers to output in `layers` instead."
            )
        super().__init__(model_name, **kwargs)
        num_hidden_states = self.config.num_hidden_layers + 1
        if layers is None:
            layers = list(range(num_hidden_states))
        if not layers:
            raise ConfigurationError("multilayer_pretrained_transformer needs at least one layer.")
        out_of_range = [k for k in layers if not -num_hidden_states <= k < num_hidden_states]
        if out_of_range:
            raise ConfigurationError(
                f"Layer indices {out_of_range} are out of range for {model_name!r}: its "
                f"hidden_states has {num_hidden_states} entries (0 = embeddings, "
                f"1..{num_hidden_states - 1} = transformer layers), so valid indices are "
                f"{-num_hidden_states}..{num_hidden_states - 1}."
            )
        # Stored as non-negative hidden_states indices, in the listed order.
        self.layers: List[int] = [k % num_hidden_states for k in layers]
        if any(lower >= upper for lower, upper in zip(self.layers, self.layers[1:])):
            raise ConfigurationError(
                f"Layers {layers} of {model_name!r} are hidden_states indices "
                f"{self.layers} (-1 = {num_hidden_states - 1}, the top layer): list distinct "
                f"layers in ascending order, the top layer last, e.g. [9, -1]."
            )
        self.output_dim = len(self.layers) * self.config.hidden_size
        # The pooler (dense + tanh on the first token) is never used here: the layers are the
        # output. Kept, it would be a parameter without gradient (DistributedDataParallel
        # then needs find_unused_parameters) and, for encoders whose checkpoint has none
        # (XLM-R's), a random one saved into every archive. The head that uses a pooler
        # (`bert_pooler`) loads its own copy.
        if getattr(self.transformer_model, "pooler", None) is not None:
            self.transformer_model.pooler = None
        self.register_load_state_dict_pre_hook(_drop_pooler_weights)

    def forward(
        self,
        token_ids: torch.LongTensor,
        mask: torch.BoolTensor,
        type_ids: Optional[torch.LongTensor] = None,
        segment_concat_mask: Optional[torch.BoolTensor] = None,
    ) -> torch.Tensor:
        """
        Takes the same inputs as `PretrainedTransformerEmbedder.forward`.

        # Returns

        `torch.Tensor`
            Shape: `(batch_size, num_wordpieces, len(layers) * hidden_size)`.
        """
        # The parent runs the transformer and folds/unfolds long sequences around it, but keeps
        # only the last layer. Around its transformer call, these hooks ask for every hidden
        # state and hand back the selected ones, concatenated, in place of the last layer; the
        # parent's unfolding works position by position, so it applies to them unchanged.
        handles = [
            self.transformer_model.register_forward_pre_hook(
                _request_hidden_states, with_kwargs=True
            ),
            self.transformer_model.register_forward_hook(self._select_layers),
        ]
        try:
            return super().forward(token_ids, mask, type_ids, segment_concat_mask)
        finally:
            for handle in handles:
                handle.remove()

    def _select_layers(self, module: torch.nn.Module, args: Tuple[Any, ...], output: Any) -> Any:
        hidden_states = output.hidden_states
        output["last_hidden_state"] = torch.cat([hidden_states[k] for k in self.layers], dim=-1)
        return output
