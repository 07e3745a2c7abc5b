"""The CUDA kernel (Triton), checked without a GPU: run by Triton's interpreter on the CPU
against a plain sequential implementation of the same SGD, and compiled for an H100
(sm_90) down to machine code, which needs no GPU either."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("triton")  # scripts/test.sh installs it (the "kernels" extra)
import torch  # noqa: E402

from engine.words.trainer import SkipGramSettings  # noqa: E402

INTERPRETED_CHECKS = Path(__file__).with_name("triton_interpreted_checks.py")


def test_kernel_under_the_interpreter():
    """TRITON_INTERPRET must be set before triton is first imported, so these checks run
    in a child pytest of their own."""
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(INTERPRETED_CHECKS)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "3 passed" in run.stdout


def test_window_bounds_stay_in_the_sentence_and_reach():
    from engine.words.sgns_triton import window_bounds

    sentence = torch.tensor([0, 0, 0, 1, 1, 3, 3, 3, 3, 3])
    reach = torch.tensor([2, 1, 3, 1, 2, 1, 4, 2, 1, 3])
    lo, hi = window_bounds(sentence, reach)
    for i in range(len(sentence)):
        inside = [j for j in range(len(sentence))
                  if sentence[j] == sentence[i] and abs(j - i) <= reach[i]]
        assert (lo[i].item(), hi[i].item()) == (min(inside), max(inside) + 1)


def test_kernel_compiles_for_an_h100():
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    from engine.words.sgns_triton import _sgns_kernel

    signature = {"ids_ptr": "*i32", "lo_ptr": "*i32", "hi_ptr": "*i32", "negs_ptr": "*i32",
                 "syn0_ptr": "*fp32", "syn1_ptr": "*fp32", "loss_ptr": "*fp32", "n": "i32",
                 "tokens_per_program": "i32", "alpha_start": "fp32", "alpha_stop": "fp32",
                 "D": "i32", "K": "constexpr", "ROWS": "constexpr", "BLOCK_D": "constexpr"}
    source = ASTSource(fn=_sgns_kernel, signature=signature,
                       constexprs={"K": 5, "ROWS": 8, "BLOCK_D": 128})
    kernel = triton.compile(source, target=GPUTarget("cuda", 90, 32),
                            options={"num_warps": 1})
    assert len(kernel.asm["cubin"]) > 1000
    assert "atom.global" in kernel.asm["ptx"] or "red.global" in kernel.asm["ptx"]


def test_auto_picks_triton_on_cuda(monkeypatch):
    import engine.device

    monkeypatch.setattr(engine.device, "cuda_available", lambda: True)
    assert SkipGramSettings().resolved_device() == ("cuda", "triton")
    assert SkipGramSettings(backend="torch").resolved_device() == ("cuda", "torch")
