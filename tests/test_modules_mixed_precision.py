"""
Every fusion variant under mixed precision: CPU autocast takes the same dtype path as CUDA
autocast (bf16 or fp16 activations into float32 modules), which is what AllenNLP's
`trainer.use_amp` and bf16 training do on a GPU.
"""
import pytest
import torch

from allennlp_xfuse.modules import (
    AifSeq2SeqEncoder,
    AifSeq2VecEncoder,
    DlfaSeq2SeqEncoder,
    DlfaSeq2VecEncoder,
    MaskedBatchNorm,
)
from allennlp_xfuse.modules.layer_fusion import FUSIONS
from allennlp_xfuse.modules.multiscale_channel_attention import NORMS

HIDDEN = 16
LENGTHS = [6, 4, 1]
DTYPES = [torch.bfloat16, torch.float16]

# (encoder class, number of layers): dlfa fuses two, aif three here
ENCODERS = [
    (DlfaSeq2VecEncoder, 2),
    (DlfaSeq2SeqEncoder, 2),
    (AifSeq2VecEncoder, 3),
    (AifSeq2SeqEncoder, 3),
]
VARIANTS = [("aif", norm, iterative) for norm in NORMS for iterative in (False, True)] + [
    (fusion, "layer_norm", False) for fusion in FUSIONS if fusion != "aif"
]


def _inputs(num_layers: int):
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(len(LENGTHS), 6, num_layers * HIDDEN, generator=generator)
    mask = torch.arange(6)[None, :] < torch.tensor(LENGTHS)[:, None]
    return inputs, mask


def _encoder(cls, num_layers: int, fusion: str, norm: str, iterative: bool):
    torch.manual_seed(5)
    # AFF's reference initialization, so that the gates differ and the comparison means something
    return cls(input_dim=num_layers * HIDDEN, num_layers=num_layers, fusion=fusion, norm=norm,
               iterative=iterative, initial_top_weight=None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fusion, norm, iterative", VARIANTS)
@pytest.mark.parametrize("cls, num_layers", ENCODERS)
def test_trains_and_evaluates_under_autocast(cls, num_layers, fusion, norm, iterative, dtype):
    inputs, mask = _inputs(num_layers)
    reference = _encoder(cls, num_layers, fusion, norm, iterative)
    encoder = _encoder(cls, num_layers, fusion, norm, iterative)
    expected = reference(inputs, mask)

    trained_inputs = inputs.clone().requires_grad_()
    with torch.autocast("cpu", dtype=dtype):
        output = encoder(trained_inputs, mask)
    output.float().sum().backward()
    assert torch.isfinite(output).all() and torch.isfinite(trained_inputs.grad).all()
    # mixed precision changes the numbers by its rounding only
    assert torch.allclose(output.float(), expected, atol=0.1, rtol=0.05)
    for name, parameter in encoder.named_parameters():
        assert parameter.dtype == torch.float32, name
        assert parameter.grad is None or torch.isfinite(parameter.grad).all(), name
    # running statistics (batch_norm) stay float32 and move as they do without autocast
    for (name, buffer), (_, reference_buffer) in zip(encoder.named_buffers(),
                                                      reference.named_buffers()):
        assert buffer.dtype == reference_buffer.dtype, name
        if buffer.is_floating_point():
            assert torch.allclose(buffer, reference_buffer, atol=0.05), name

    encoder.eval()
    reference.eval()
    with torch.no_grad(), torch.autocast("cpu", dtype=dtype):
        evaluated = encoder(inputs, mask)
    assert torch.allclose(evaluated.float(), reference(inputs, mask), atol=0.1, rtol=0.05)


@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_batch_norm_keeps_float32_statistics(dtype):
    inputs = torch.randn(3, 5, 8) * 3 + 1
    mask = torch.ones(3, 5, dtype=torch.bool)
    norm = MaskedBatchNorm(8)
    reference = MaskedBatchNorm(8)
    normalized = norm(inputs.to(dtype), mask)
    assert normalized.dtype == dtype  # hands back what it was given
    reference(inputs.to(dtype).float(), mask)
    assert norm.running_mean.dtype == norm.running_var.dtype == torch.float32
    assert torch.allclose(norm.running_mean, reference.running_mean, atol=1e-6)
    assert torch.allclose(norm.running_var, reference.running_var, atol=1e-6)
