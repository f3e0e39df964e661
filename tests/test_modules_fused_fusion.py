"""
The fused fusion head: the restructured eager math launches fewer kernels, keeps the archive
contract (the `state_dict` keys), and its `"compiled"` implementation (`torch.compile`) gives
the outputs, gradients, kept weights and batch-norm statistics of the eager one.

The compiled tests use the "aot_eager" backend: it traces the forward and backward graphs as
inductor does (functionalization, autograd), in seconds instead of the minute per graph that
inductor's C++ compilation takes on a small CPU.
"""
import copy
import pickle
from collections import Counter

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.modules.seq2seq_encoders import Seq2SeqEncoder
from allennlp.modules.seq2vec_encoders import Seq2VecEncoder
from torch.profiler import profile

from allennlp_xfuse.modules import (
    AifSeq2SeqEncoder,
    AifSeq2VecEncoder,
    DlfaSeq2VecEncoder,
    MaskedBatchNorm,
    layer_fusion,
)

HIDDEN = 16
LENGTHS = [6, 4, 1]
NUM_TOKENS = 8  # two positions of padding even in the longest sequence


@pytest.fixture
def aot_eager(monkeypatch):
    monkeypatch.setattr(layer_fusion, "COMPILE_BACKEND", "aot_eager")
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _inputs(num_layers: int, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(len(LENGTHS), NUM_TOKENS, num_layers * HIDDEN, generator=generator)
    mask = torch.arange(NUM_TOKENS)[None, :] < torch.tensor(LENGTHS)[:, None]
    # garbage at padding, which must reach no output at a real token in either implementation
    inputs[~mask] = 1e4
    return inputs, mask


def _encoder(cls, num_layers: int, implementation: str, **kwargs):
    torch.manual_seed(3)
    # AFF's reference initialization: W varies by token and channel, so a difference shows
    kwargs.setdefault("initial_top_weight", None)
    return cls(input_dim=num_layers * HIDDEN, num_layers=num_layers,
               implementation=implementation, **kwargs)


def _run(encoder, inputs, mask, autocast_dtype=None):
    """Output, gradient of the input and of every parameter, and the kept weights, of one
    training-style pass with a loss that weights every output element differently; the
    forward pass under CPU autocast to `autocast_dtype` if given (the backward pass outside,
    as torch's AMP recipe has it)."""
    leaf = inputs.clone().requires_grad_()
    with torch.autocast("cpu", dtype=autocast_dtype, enabled=autocast_dtype is not None):
        output = encoder(leaf, mask)
    loss_weights = torch.linspace(-1.0, 2.0, output.numel()).reshape(output.shape)
    (output * loss_weights).sum().backward()
    gradients = {name: parameter.grad.clone() for name, parameter in encoder.named_parameters()}
    encoder.zero_grad(set_to_none=True)
    return output.detach(), leaf.grad, gradients, encoder.fusion_weights()


# Every norm with and without iterative, each in dlfa and in a 3-step aif: a compilation per
# case is the slow part, so the pairs cover each option of each encoder rather than all
# combinations.
@pytest.mark.parametrize(
    "cls, num_layers, norm, iterative",
    [
        (DlfaSeq2VecEncoder, 2, "layer_norm", False),
        (DlfaSeq2VecEncoder, 2, "batch_norm", True),
        (AifSeq2SeqEncoder, 4, "layer_norm", True),
        (AifSeq2SeqEncoder, 4, "batch_norm", False),
    ],
)
def test_compiled_equals_eager(aot_eager, cls, num_layers, norm, iterative):
    inputs, mask = _inputs(num_layers)
    eager = _encoder(cls, num_layers, "eager", norm=norm, iterative=iterative)
    compiled = _encoder(cls, num_layers, "compiled", norm=norm, iterative=iterative)
    for training in (True, False):  # batch statistics, then the running ones they updated
        eager.train(training)
        compiled.train(training)
        expected, expected_input_grad, expected_grads, expected_weights = _run(eager, inputs, mask)
        output, input_grad, grads, weights = _run(compiled, inputs, mask)
        torch.testing.assert_close(output, expected)
        torch.testing.assert_close(input_grad, expected_input_grad)
        assert grads.keys() == expected_grads.keys()
        for name, gradient in grads.items():
            torch.testing.assert_close(gradient, expected_grads[name], msg=name)
        assert len(weights) == len(expected_weights) == num_layers - 1
        for step_weights, expected_step_weights in zip(weights, expected_weights):
            assert not step_weights.requires_grad
            torch.testing.assert_close(step_weights, expected_step_weights)
        for (name, buffer), (_, expected_buffer) in zip(compiled.named_buffers(),
                                                        eager.named_buffers()):
            torch.testing.assert_close(buffer, expected_buffer, msg=name)
    # padding reached no real token in either, and came out as zeros
    assert torch.isfinite(expected_input_grad).all()
    if cls is AifSeq2SeqEncoder:
        assert (output[~mask] == 0).all()


def test_compiled_follows_new_shapes_and_survives_copies(aot_eager):
    eager = _encoder(AifSeq2VecEncoder, 3, "eager")
    compiled = _encoder(AifSeq2VecEncoder, 3, "compiled")
    for num_tokens in (8, 5, 11):  # a new sequence length per batch, as a bucketed loader gives
        inputs = torch.randn(2, num_tokens, 3 * HIDDEN)
        mask = torch.ones(2, num_tokens, dtype=torch.bool)
        mask[1, num_tokens // 2:] = False
        torch.testing.assert_close(compiled(inputs, mask), eager(inputs, mask))
    # AllenNLP copies models (moving averages, best-model snapshots) and pickles them
    # (multi-process data loading of a whole predictor); the compiled function is rebuilt
    for clone in (copy.deepcopy(compiled), pickle.loads(pickle.dumps(compiled))):
        torch.testing.assert_close(clone(inputs, mask), eager(inputs, mask))


def test_the_implementation_is_a_config_key_and_keeps_the_archive_contract():
    params = {"input_dim": 3 * HIDDEN, "num_layers": 3, "iterative": True, "norm": "batch_norm"}
    eager = Seq2VecEncoder.from_params(Params({"type": "aif", **params}))
    compiled = Seq2SeqEncoder.from_params(
        Params({"type": "aif", "implementation": "compiled", **params})
    )
    # the keys archives were saved with before the fused head, in this layout
    branch = [f"{conv}.weight" for conv in ("reduce", "expand")] + [
        f"{norm}.{name}" for norm in ("reduce_norm", "expand_norm")
        for name in ("weight", "bias", "running_mean", "running_var")
    ]
    expected = {
        f"fusion.steps.{step}.{attention}.{branch_name}.{key}"
        for step in (0, 1)
        for attention in ("attention", "refining_attention")
        for branch_name in ("local_branch", "global_branch")
        for key in branch
    }
    assert set(eager.state_dict()) == set(compiled.state_dict()) == expected
    # so an archive of one loads into the other
    compiled.load_state_dict(eager.state_dict())


def test_unknown_implementation_is_a_clear_error():
    with pytest.raises(ConfigurationError) as error:
        DlfaSeq2VecEncoder(input_dim=2 * HIDDEN, implementation="triton")
    assert "Unknown implementation 'triton': choose one of eager, compiled" in str(error.value)


def _aten_ops(function) -> Counter:
    with profile() as profiler:
        function()
    return Counter(event.name for event in profiler.events() if event.name.startswith("aten::"))


def test_one_matrix_product_per_sequence_mean_and_one_kernel_per_mix():
    num_layers = 4  # three steps, two attentions each
    encoder = _encoder(AifSeq2VecEncoder, num_layers, "eager", iterative=True).eval()
    inputs, mask = _inputs(num_layers)
    with torch.no_grad():
        ops = _aten_ops(lambda: encoder(inputs, mask))
    attentions = 2 * (num_layers - 1)
    # each attention's masked mean over tokens is one batched matrix product
    assert ops["aten::bmm"] == attentions
    # and every W * X + (1 - W) * Y one lerp (the iterative first fusion included)
    assert ops["aten::lerp"] == attentions
    # with no element-wise arithmetic left around them: S = X + Y per step, L + G per attention
    assert ops["aten::add"] == (num_layers - 1) + attentions
    assert ops["aten::mul"] == ops["aten::sub"] == ops["aten::rsub"] == 0


@pytest.mark.parametrize("training", [True, False])
def test_masked_batch_norm_never_waits_for_the_host(training):
    # boolean indexing (nonzero) would make a GPU synchronize with the host on every call
    norm = MaskedBatchNorm(HIDDEN).train(training)
    inputs, mask = _inputs(1)
    ops = _aten_ops(lambda: norm(inputs, mask))
    host_syncs = {"aten::nonzero", "aten::index", "aten::item", "aten::_local_scalar_dense"}
    assert not host_syncs & set(ops)


def test_masked_batch_norm_without_a_real_position_leaves_its_statistics():
    norm = MaskedBatchNorm(HIDDEN)
    norm(torch.randn(4, 3, HIDDEN), torch.ones(4, 3, dtype=torch.bool))
    before = (norm.running_mean.clone(), norm.running_var.clone())
    norm(torch.full((4, 3, HIDDEN), float("nan")), torch.zeros(4, 3, dtype=torch.bool))
    torch.testing.assert_close((norm.running_mean, norm.running_var), before)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("norm", ["layer_norm", "batch_norm"])
def test_under_autocast_the_fusion_is_the_float32_fusion_of_the_same_input(dtype, norm):
    # what the embedder hands over under autocast: activations rounded to bf16/fp16
    num_layers = 3
    inputs, mask = _inputs(num_layers)
    inputs = inputs.to(dtype)
    encoder = _encoder(AifSeq2SeqEncoder, num_layers, "eager", norm=norm, iterative=True)
    reference = copy.deepcopy(encoder)
    output, input_gradient, gradients, weights = _run(encoder, inputs, mask, dtype)
    expected, expected_gradient, expected_gradients, expected_weights = _run(
        reference, inputs.float(), mask
    )
    # float32 gates and outputs, bit for bit those of the float32 module
    assert output.dtype == torch.float32
    assert torch.equal(output, expected)
    assert input_gradient.dtype == dtype  # the gradient goes back in the input's dtype
    assert torch.equal(input_gradient, expected_gradient.to(dtype))
    assert gradients.keys() == expected_gradients.keys()
    for name, gradient in gradients.items():
        assert torch.equal(gradient, expected_gradients[name]), name
    for kept, expected_kept in zip(weights, expected_weights):
        assert torch.equal(kept, expected_kept)
    for (name, buffer), (_, expected_buffer) in zip(encoder.named_buffers(),
                                                     reference.named_buffers()):
        assert torch.equal(buffer, expected_buffer), name


def _kernel_ops(function) -> int:
    # aten operators that run a kernel: the lowest of each chain (linear -> mm counts once),
    # without views, metadata and allocations
    no_kernel = {"aten::empty", "aten::empty_like", "aten::empty_strided", "aten::view",
                 "aten::reshape", "aten::_reshape_alias", "aten::unsqueeze", "aten::squeeze",
                 "aten::split", "aten::split_with_sizes", "aten::slice", "aten::select",
                 "aten::as_strided", "aten::t", "aten::transpose", "aten::expand",
                 "aten::detach", "aten::detach_", "aten::to", "aten::lift_fresh",
                 "aten::result_type", "aten::alias", "aten::permute", "aten::_unsafe_view",
                 "aten::unbind", "aten::contiguous", "aten::resize_", "aten::new_empty"}
    with profile() as profiler:
        function()
    events = [event for event in profiler.events() if event.name.startswith("aten::")
              and event.name not in no_kernel]
    kernel_events = {id(event) for event in events}

    def has_kernel_below(event) -> bool:
        return any(id(child) in kernel_events or has_kernel_below(child)
                   for child in event.cpu_children)

    return sum(1 for event in events if not has_kernel_below(event))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_autocast_adds_one_cast_to_the_fusion_not_one_per_product(dtype):
    num_layers = 3
    inputs, mask = _inputs(num_layers)
    inputs = inputs.to(dtype)
    encoder = _encoder(AifSeq2SeqEncoder, num_layers, "eager").eval()
    float32_inputs = inputs.float()
    with torch.no_grad():
        encoder(float32_inputs, mask)  # warm-up
        float32_ops = _kernel_ops(lambda: encoder(float32_inputs, mask))
        with torch.autocast("cpu", dtype=dtype):
            autocast_ops = _kernel_ops(lambda: encoder(inputs, mask))
    # the float32 fusion plus the cast of its input; autocast alone would cast around each of
    # the 8 matrix products and 8 norms of the two steps
    assert autocast_ops == float32_ops + 1
