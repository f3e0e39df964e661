"""The `dlfa` / `aif` Seq2Vec and Seq2Seq encoders and the layer fusion choices."""
import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.modules import Seq2SeqEncoder, Seq2VecEncoder

from allennlp_xfuse.modules import (
    AifSeq2SeqEncoder,
    AifSeq2VecEncoder,
    DlfaSeq2SeqEncoder,
    DlfaSeq2VecEncoder,
)

HIDDEN = 8
LENGTHS = [6, 4, 1]
FUSIONS = ["aif", "sum", "mean", "concat", "scalar_mix"]
ENCODERS = [DlfaSeq2SeqEncoder, DlfaSeq2VecEncoder, AifSeq2SeqEncoder, AifSeq2VecEncoder]


def _inputs(num_layers: int, num_tokens: int = 6, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(len(LENGTHS), num_tokens, num_layers * HIDDEN, generator=generator)
    mask = torch.arange(num_tokens)[None, :] < torch.tensor(LENGTHS)[:, None]
    return inputs, mask


def _encoder(cls, num_layers: int = 2, **kwargs):
    # AFF's reference initialization, where W varies and a wrong computation shows (see
    # test_modules_attentional_fusion._fusion).
    kwargs.setdefault("initial_top_weight", None)
    torch.manual_seed(3)
    return cls(input_dim=num_layers * HIDDEN, num_layers=num_layers, **kwargs)


def _layers(inputs):
    return list(inputs.split(HIDDEN, dim=-1))


def test_dims_and_registration():
    for base, cls in [(Seq2SeqEncoder, AifSeq2SeqEncoder), (Seq2VecEncoder, AifSeq2VecEncoder)]:
        assert base.by_name("aif") is cls
    assert Seq2SeqEncoder.by_name("dlfa") is DlfaSeq2SeqEncoder
    assert Seq2VecEncoder.by_name("dlfa") is DlfaSeq2VecEncoder
    for cls in ENCODERS:
        encoder = _encoder(cls)
        assert (encoder.get_input_dim(), encoder.get_output_dim()) == (2 * HIDDEN, HIDDEN)
        assert encoder.is_bidirectional() is False
        assert "Registered as a" in cls.__doc__ and "reduction_ratio" in cls.__doc__


@pytest.mark.parametrize("cls", [DlfaSeq2SeqEncoder, DlfaSeq2VecEncoder])
def test_dlfa_equals_attentional_fusion_of_the_two_layers(cls):
    inputs, mask = _inputs(2)
    encoder = _encoder(cls, pooling="cls") if cls is DlfaSeq2VecEncoder else _encoder(cls)
    encoder.eval()
    lower, top = _layers(inputs)
    fused = encoder.fusion.steps[0](top, lower, mask) * mask.unsqueeze(-1)
    output = encoder(inputs, mask)
    torch.testing.assert_close(output, fused[:, 0] if cls is DlfaSeq2VecEncoder else fused)
    (weights,) = encoder.fusion_weights()
    torch.testing.assert_close(weights, encoder.fusion.steps[0].last_weights)


def test_aif_fuses_progressively_from_the_top():
    inputs, mask = _inputs(3)
    encoder = _encoder(AifSeq2SeqEncoder, num_layers=3).eval()
    h1, h2, h3 = _layers(inputs)
    first, second = encoder.fusion.steps
    expected = second(first(h3, h2, mask), h1, mask)
    torch.testing.assert_close(encoder(inputs, mask), expected * mask.unsqueeze(-1))
    weights = encoder.fusion_weights()
    assert len(weights) == 2
    torch.testing.assert_close(weights[0], first.last_weights)  # the top step comes first
    assert all(((w > 0) & (w < 1)).all() and not w.requires_grad for w in weights)


def test_mean_pooling_averages_real_tokens():
    inputs, mask = _inputs(2)
    seq2seq = _encoder(AifSeq2SeqEncoder).eval()
    seq2vec = _encoder(AifSeq2VecEncoder, pooling="mean").eval()
    fused = seq2seq(inputs, mask)
    expected = fused.sum(dim=1) / mask.sum(dim=1, keepdim=True)
    torch.testing.assert_close(seq2vec(inputs, mask), expected)


@pytest.mark.parametrize(
    "fusion, expected",
    [
        ("sum", lambda layers: layers[0] + layers[1] + layers[2]),
        ("mean", lambda layers: (layers[0] + layers[1] + layers[2]) / 3),
    ],
)
def test_parameter_free_fusions(fusion, expected):
    inputs, mask = _inputs(3)
    encoder = _encoder(AifSeq2SeqEncoder, num_layers=3, fusion=fusion)
    output = encoder(inputs, mask)
    torch.testing.assert_close(output, expected(_layers(inputs)) * mask.unsqueeze(-1))
    assert encoder.fusion_weights() == []


def test_concat_and_scalar_mix_fusions():
    inputs, mask = _inputs(3)
    concat = _encoder(AifSeq2SeqEncoder, num_layers=3, fusion="concat")
    assert concat.fusion.projection.weight.shape == (HIDDEN, 3 * HIDDEN)
    torch.testing.assert_close(
        concat(inputs, mask), concat.fusion.projection(inputs) * mask.unsqueeze(-1)
    )
    mix = _encoder(AifSeq2SeqEncoder, num_layers=3, fusion="scalar_mix")
    # ScalarMix starts from equal weights and gamma 1: the mean of the layers.
    torch.testing.assert_close(mix(inputs, mask), sum(_layers(inputs)) / 3 * mask.unsqueeze(-1))


@pytest.mark.parametrize("cls", ENCODERS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"iterative": True},
        {"norm": "batch_norm"},
        {"norm": "batch_norm", "iterative": True},
        {"fusion": "concat"},
        {"fusion": "scalar_mix"},
    ],
)
@pytest.mark.parametrize("training", [True, False])
def test_padding_changes_no_output_at_a_real_token(cls, options, training):
    num_layers = 2 if cls in (DlfaSeq2SeqEncoder, DlfaSeq2VecEncoder) else 3
    inputs, mask = _inputs(num_layers)
    poolings = ["cls", "mean"] if issubclass(cls, Seq2VecEncoder) else [None]
    for pooling in poolings:
        pooling_option = {"pooling": pooling} if pooling else {}
        encoder = _encoder(cls, num_layers=num_layers, **options, **pooling_option)
        encoder(*_inputs(num_layers, seed=5))  # moves batch-norm running statistics off their init
        encoder.train(training)
        reference = encoder(inputs, mask)
        padding = torch.full((len(LENGTHS), 3, inputs.size(-1)), 1e3)
        padded_inputs = torch.cat([inputs, padding], dim=1)
        padded_mask = torch.cat([mask, torch.zeros(len(LENGTHS), 3, dtype=torch.bool)], dim=1)
        padded = encoder(padded_inputs, padded_mask)
        if pooling:
            torch.testing.assert_close(padded, reference)
        else:
            torch.testing.assert_close(padded[:, :6], reference)
            assert (padded[~padded_mask] == 0).all()


@pytest.mark.parametrize("fusion", FUSIONS)
def test_gradients_reach_every_layer_and_parameter(fusion):
    inputs, mask = _inputs(3)
    inputs.requires_grad_()
    encoder = _encoder(AifSeq2VecEncoder, num_layers=3, fusion=fusion, pooling="mean")
    encoder(inputs, mask).pow(2).sum().backward()
    for layer_grad in _layers(inputs.grad):
        assert layer_grad[mask].abs().sum() > 0
    for name, parameter in encoder.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_dropout_on_fused_tokens():
    inputs, mask = _inputs(2)
    encoder = _encoder(DlfaSeq2SeqEncoder, dropout=0.5)
    assert (encoder(inputs, mask)[mask] == 0).any()
    encoder.eval()
    torch.testing.assert_close(encoder(inputs, mask), _encoder(DlfaSeq2SeqEncoder)(inputs, mask))


def test_missing_mask_means_all_tokens_are_real():
    inputs, _ = _inputs(2)
    encoder = _encoder(DlfaSeq2VecEncoder, pooling="mean").eval()
    full_mask = torch.ones(inputs.shape[:2], dtype=torch.bool)
    torch.testing.assert_close(encoder(inputs), encoder(inputs, full_mask))


@pytest.mark.parametrize(
    "params",
    [
        {"type": "dlfa", "input_dim": 16, "pooling": "mean", "iterative": True},
        {"type": "aif", "input_dim": 24, "num_layers": 3, "norm": "batch_norm", "fusion": "aif"},
    ],
)
def test_from_params(params):
    for base in (Seq2VecEncoder, Seq2SeqEncoder):
        config = dict(params)
        if base is Seq2SeqEncoder:
            config.pop("pooling", None)
        encoder = base.from_params(Params(config))
        assert encoder.get_output_dim() == HIDDEN
        assert len(encoder.fusion.steps) == encoder.get_input_dim() // HIDDEN - 1


@pytest.mark.parametrize(
    "cls, kwargs, message",
    [
        (AifSeq2VecEncoder, {"input_dim": 10, "num_layers": 3},
         "num_layers=3 does not divide input_dim=10"),
        (DlfaSeq2SeqEncoder, {"input_dim": 24, "num_layers": 3}, "fuses exactly 2 layers"),
        (AifSeq2SeqEncoder, {"input_dim": 8, "num_layers": 1}, "needs num_layers >= 2, got 1"),
        (AifSeq2SeqEncoder, {"input_dim": 16, "num_layers": 2, "fusion": "max"},
         "Unknown fusion 'max': choose one of aif, sum, mean, concat, scalar_mix"),
        (AifSeq2SeqEncoder, {"input_dim": 16, "num_layers": 2, "fusion": "sum", "norm": "ln"},
         "Unknown norm 'ln'"),
        (DlfaSeq2VecEncoder, {"input_dim": 16, "pooling": "max"},
         "Unknown pooling 'max': choose one of cls, mean"),
    ],
)
def test_configuration_errors(cls, kwargs, message):
    with pytest.raises(ConfigurationError) as error:
        cls(**kwargs)
    assert message in str(error.value)


def test_input_size_mismatch_is_a_clear_error():
    encoder = _encoder(DlfaSeq2VecEncoder)
    inputs, mask = _inputs(3)
    with pytest.raises(ConfigurationError, match="expects input_dim=16 .* got inputs of size 24"):
        encoder(inputs, mask)
