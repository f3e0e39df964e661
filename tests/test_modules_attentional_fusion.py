"""AttentionalFusion (AFF / iAFF), its multi-scale channel attention and MaskedBatchNorm."""
import pytest
import torch
import torch.nn.functional as F
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.modules import AttentionalFusion, MaskedBatchNorm

DIM = 16
LENGTHS = [5, 3, 1]


def _inputs(num_tokens: int = 5, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    top = torch.randn(len(LENGTHS), num_tokens, DIM, generator=generator)
    lower = torch.randn(len(LENGTHS), num_tokens, DIM, generator=generator)
    mask = torch.arange(num_tokens)[None, :] < torch.tensor(LENGTHS)[:, None]
    return top, lower, mask


def _pad(tensor: torch.Tensor, extra: int, value: float) -> torch.Tensor:
    """Appends `extra` padding positions holding `value` (garbage the module must ignore)."""
    padding = torch.full((tensor.size(0), extra, *tensor.shape[2:]), value, dtype=tensor.dtype)
    return torch.cat([tensor, padding], dim=1)


def _fusion(seed: int = 1, **kwargs) -> AttentionalFusion:
    # The tests of what the fusion computes use AFF's reference initialization, where W varies
    # by token and channel and a wrong formula shows; the shipped initialization (W = 0.95
    # everywhere) has tests of its own.
    kwargs.setdefault("initial_top_weight", None)
    torch.manual_seed(seed)
    return AttentionalFusion(DIM, **kwargs)


def _branch(branch, inputs):
    """`Norm(PW2(ReLU(Norm(PW1(x)))))` written out with LayerNorm, as the module documents it."""

    def norm(module, tensor):
        return F.layer_norm(tensor, (tensor.size(-1),), module.weight, module.bias)

    hidden = torch.relu(norm(branch.reduce_norm, branch.reduce(inputs)))
    return norm(branch.expand_norm, branch.expand(hidden))


def _reference_weights(attention, integrated, mask):
    counts = mask.sum(dim=1, keepdim=True).float()
    means = (integrated * mask.unsqueeze(-1)).sum(dim=1) / counts
    local = _branch(attention.local_branch, integrated)
    global_ = _branch(attention.global_branch, means)
    return torch.sigmoid(local + global_.unsqueeze(1))


@pytest.mark.parametrize("iterative", [False, True])
@pytest.mark.parametrize("norm", ["layer_norm", "batch_norm"])
def test_shape_weights_in_unit_interval_and_detached(norm, iterative):
    top, lower, mask = _inputs()
    fusion = _fusion(norm=norm, iterative=iterative)
    fused = fusion(top.requires_grad_(), lower, mask)
    assert fused.shape == top.shape
    weights = fusion.last_weights
    assert weights.shape == top.shape
    assert not weights.requires_grad
    assert ((weights > 0) & (weights < 1)).all()
    # Z = W * X + (1 - W) * Y with the kept W.
    torch.testing.assert_close(fused, weights * top + (1 - weights) * lower)


def test_matches_the_design_formulas():
    top, lower, mask = _inputs()
    fusion = _fusion().eval()
    fused = fusion(top, lower, mask)
    weights = _reference_weights(fusion.attention, top + lower, mask)
    torch.testing.assert_close(fusion.last_weights, weights)
    torch.testing.assert_close(fused, weights * top + (1 - weights) * lower)


def test_iterative_computes_weights_from_a_first_fusion():
    top, lower, mask = _inputs()
    plain = _fusion(iterative=False).eval()
    iterative = _fusion(iterative=True).eval()
    # Same seed: the first attention of iAFF starts as the one of AFF.
    iterative.attention.load_state_dict(plain.attention.state_dict())
    plain_out = plain(top, lower, mask)
    iterative_out = iterative(top, lower, mask)
    assert not torch.allclose(plain_out, iterative_out)

    first = _reference_weights(iterative.attention, top + lower, mask)
    refined_input = first * top + (1 - first) * lower
    weights = _reference_weights(iterative.refining_attention, refined_input, mask)
    torch.testing.assert_close(iterative.last_weights, weights)
    torch.testing.assert_close(iterative_out, weights * top + (1 - weights) * lower)


@pytest.mark.parametrize("iterative", [False, True])
@pytest.mark.parametrize(
    "norm, training", [("layer_norm", False), ("batch_norm", True), ("batch_norm", False)]
)
def test_padding_changes_no_output_at_a_real_token(norm, training, iterative):
    top, lower, mask = _inputs()
    fusion = _fusion(norm=norm, iterative=iterative)
    if not training:
        fusion(*_inputs(seed=7))  # moves batch-norm running statistics away from their init
    fusion.train(training)
    reference = fusion(top, lower, mask)
    reference_weights = fusion.last_weights
    # In training mode batch norm normalizes with batch statistics, so each run stands alone.
    for value in (0.0, 1e4):
        padded = fusion(_pad(top, 4, value), _pad(lower, 4, value), _pad(mask, 4, False))
        real = mask.unsqueeze(-1).expand_as(top)
        torch.testing.assert_close(padded[:, :5][real], reference[real])
        torch.testing.assert_close(fusion.last_weights[:, :5][real], reference_weights[real])


def test_batch_norm_statistics_ignore_padding():
    top, lower, mask = _inputs()
    plain = _fusion(norm="batch_norm")
    padded = _fusion(norm="batch_norm")
    plain(top, lower, mask)
    padded(_pad(top, 3, 50.0), _pad(lower, 3, 50.0), _pad(mask, 3, False))
    for (name, buffer), (_, other) in zip(plain.named_buffers(), padded.named_buffers()):
        torch.testing.assert_close(buffer, other, msg=name)


def test_gradients_reach_both_layers_and_every_parameter():
    top, lower, mask = _inputs()
    top.requires_grad_()
    lower.requires_grad_()
    fusion = _fusion(iterative=True)
    fusion(top, lower, mask).sum().backward()
    for tensor in (top, lower):
        assert tensor.grad is not None and tensor.grad[mask].abs().sum() > 0
    for name, parameter in fusion.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_dropout_applies_to_the_output_in_training_only():
    top, lower, mask = _inputs()
    fusion = _fusion(dropout=0.5)
    assert (fusion(top, lower, mask) == 0).any()
    fusion.eval()
    torch.testing.assert_close(fusion(top, lower, mask), _fusion().eval()(top, lower, mask))


def test_masked_batch_norm_equals_batch_norm_on_real_tokens():
    top, _, mask = _inputs()
    masked = MaskedBatchNorm(DIM)
    stock = torch.nn.BatchNorm1d(DIM)
    torch.testing.assert_close(masked(top, mask)[mask], stock(top[mask]))
    torch.testing.assert_close(masked.running_mean, stock.running_mean)
    torch.testing.assert_close(masked.running_var, stock.running_var)
    masked.eval()
    stock.eval()
    torch.testing.assert_close(masked(top, mask)[mask], stock(top[mask]))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"norm": "group_norm"}, "Unknown norm 'group_norm': choose one of layer_norm, batch_norm"),
        ({"reduction_ratio": 32}, "reduction_ratio must be between 1 and input_dim (16), got 32"),
        ({"reduction_ratio": 0}, "reduction_ratio must be between 1 and input_dim (16), got 0"),
    ],
)
def test_configuration_errors(kwargs, message):
    with pytest.raises(ConfigurationError) as error:
        AttentionalFusion(DIM, **kwargs)
    assert message in str(error.value)
