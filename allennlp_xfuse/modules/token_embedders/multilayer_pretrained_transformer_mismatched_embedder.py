"""
A `PretrainedTransformerMismatchedEmbedder` that outputs several hidden layers per word.
"""
from typing import Any, List, Optional

from allennlp.common.checks import ConfigurationError
from allennlp.modules.token_embedders import (
    PretrainedTransformerMismatchedEmbedder,
    TokenEmbedder,
)

from allennlp_xfuse.modules.token_embedders.multilayer_pretrained_transformer_embedder import (
    MultilayerPretrainedTransformerEmbedder,
)

SUB_TOKEN_MODES = ("avg", "first")


@TokenEmbedder.register("multilayer_pretrained_transformer_mismatched")
class MultilayerPretrainedTransformerMismatchedEmbedder(PretrainedTransformerMismatchedEmbedder):
    """
    The word-level form of `MultilayerPretrainedTransformerEmbedder`, for tagging tasks (NER,
    POS): embeds the wordpieces given by `PretrainedTransformerMismatchedIndexer` and pools each
    word's wordpieces, exactly like `PretrainedTransformerMismatchedEmbedder`, but for the
    concatenation of the selected layers: `(batch_size, num_words, len(layers) * hidden_size)`.

    Registered as a `TokenEmbedder` with name "multilayer_pretrained_transformer_mismatched".

    # Parameters

    model_name : `str`
        The name of the `transformers` model to use, as for the
        `PretrainedTransformerMismatchedIndexer`.
    layers : `List[int]`, optional (default = `None`)
        The layers to output, as indices into Hugging Face's `hidden_states` (0 = embeddings,
        negative from the end); `None` outputs all. See `MultilayerPretrainedTransformerEmbedder`.
    sub_token_mode : `str`, optional (default = `"avg"`)
        `"avg"` averages a word's wordpieces, `"first"` takes its first wordpiece.
    **kwargs : `Any`
        Any other parameter of `PretrainedTransformerEmbedder` (`max_length`, `sub_module`,
        `train_parameters`, `eval_mode`, `override_weights_file`,
        `override_weights_strip_prefix`, `reinit_modules`, `load_weights`,
        `gradient_checkpointing`, `tokenizer_kwargs`, `transformer_kwargs`), with the same
        meaning.
    """

    def __init__(
        self,
        model_name: str,
        *,
        layers: Optional[List[int]] = None,
        sub_token_mode: str = "avg",
        **kwargs: Any,
    ) -> None:
        if sub_token_mode not in SUB_TOKEN_MODES:
            # The parent only notices at the first forward pass.
            raise ConfigurationError(
                f"Unknown sub_token_mode {sub_token_mode!r}: choose one of "
                f"{', '.join(SUB_TOKEN_MODES)}."
            )
        # The parent's constructor would build (and copy the weights of) a single-layer inner
        # embedder only for it to be replaced; set up the two attributes its forward() and
        # get_output_dim() use instead.
        TokenEmbedder.__init__(self)
        self._matched_embedder = MultilayerPretrainedTransformerEmbedder(
            model_name, layers=layers, **kwargs
        )
        self.sub_token_mode = sub_token_mode
