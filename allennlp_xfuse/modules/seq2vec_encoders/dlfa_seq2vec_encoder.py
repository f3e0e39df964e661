"""The `dlfa` Seq2VecEncoder: one lower layer fused with the top one, then pooling."""
from typing import Any

from allennlp.modules.seq2vec_encoders import Seq2VecEncoder

from allennlp_xfuse.modules.seq2vec_encoders.aif_seq2vec_encoder import AifSeq2VecEncoder


@Seq2VecEncoder.register("dlfa")
class DlfaSeq2VecEncoder(AifSeq2VecEncoder):
    """
    Double-layer feature aggregation, the setup of the feature-aggregation paper: fuses a lower
    layer with the top one with one attentional feature fusion step, then pools the fused
    tokens into one vector. The input is what the `multilayer_pretrained_transformer` embedder
    writes with `layers: [k, -1]`.

    Input shape: `(batch_size, num_tokens, 2 * hidden_dim)`, lower layer first; output shape:
    `(batch_size, hidden_dim)` (or the `pooler`'s output).

    Registered as a `Seq2VecEncoder` with name "dlfa".

    # Parameters

    input_dim : `int`
        The size of the input: `num_layers` layer representations of the same size concatenated
        on the last dimension, lowest layer first and top layer last, as the
        `multilayer_pretrained_transformer` embedder writes them with ascending `layers`.
    num_layers : `int`, optional (default = `2`)
        How many layers the input holds; `dlfa` fuses exactly 2.
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

    required_num_layers = 2

    def __init__(self, input_dim: int, num_layers: int = 2, **kwargs: Any) -> None:
        super().__init__(input_dim=input_dim, num_layers=num_layers, **kwargs)
