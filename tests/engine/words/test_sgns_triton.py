"""The CUDA kernel (Triton), checked without a GPU: run by Triton's interpreter on the CPU
against a plain sequential implementation of the same SGD, and compiled for an H100
(sm_90) down to machine code, which needs no GPU either."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.words.trainer import SkipGramSettings, triton_available

# scripts/test.sh installs triton (the "kernels" extra). It is not imported here: with
# Qt and torch loaded too, triton's compiler prints nanobind leak noise at exit.
pytestmark = pytest.mark.skipif(not triton_available(), reason="triton is not installed")

CHILD_CHECKS = Path(__file__).with_name("triton_child_checks.py")


@pytest.mark.parametrize("interpret", [True, False], ids=["interpreted", "compiled-sm90"])
def test_kernel_in_a_child_pytest(interpret):
    """TRITON_INTERPRET must be set before triton is first imported, and triton's compiler
    leaves noise at exit, so the kernel's checks run in child pytests: one under the
    interpreter, one compiling for an H100."""
    env = {**os.environ, "EMBEDDING_EXPLORER_TRITON_CHILD": "1"}
    env.pop("TRITON_INTERPRET", None)
    if interpret:
        env["TRITON_INTERPRET"] = "1"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(CHILD_CHECKS)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert ("4 passed, 1 skipped" if interpret else "2 passed, 3 skipped") in run.stdout


def test_auto_picks_triton_on_cuda(monkeypatch):
    import engine.device

    monkeypatch.setattr(engine.device, "cuda_available", lambda: True)
    assert SkipGramSettings().resolved_device() == ("cuda", "triton")
    assert SkipGramSettings(backend="torch").resolved_device() == ("cuda", "torch")
