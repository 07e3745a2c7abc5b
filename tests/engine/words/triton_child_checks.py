"""Run by tests/engine/words/test_sgns_triton.py in child pytests: with TRITON_INTERPRET=1
the Triton kernel runs on the CPU, against sequential SGD and through the trainer;
without it the kernel is compiled for an H100 (sm_90), which needs no GPU."""

import os

import numpy as np
import pytest
import torch

from engine.words.trainer import SkipGramSettings, SkipGramTrainer
from tests.engine.words.test_skipgram import topic_corpus

pytestmark = pytest.mark.skipif(os.environ.get("EMBEDDING_EXPLORER_TRITON_CHILD") != "1",
                                reason="run by test_sgns_triton in a child pytest")
INTERPRETED = os.environ.get("TRITON_INTERPRET") == "1"
interpreted_only = pytest.mark.skipif(not INTERPRETED, reason="needs TRITON_INTERPRET=1")


@pytest.fixture
def interpreted():
    import engine.words.sgns_triton as module

    return module


def sequential_sgd(ids, lo, hi, negs, syn0, syn1, alpha_start, alpha_stop):
    """Skip-gram SGD one pair after another, as sgns_numba.train_chunk does on one thread:
    the centre's output row and its shared negatives are updated once per window, the
    context's input row after every pair."""
    n = len(ids)
    for i in range(n):
        targets = np.concatenate([[ids[i]], negs[i]])
        alpha = np.float32(alpha_start + (alpha_stop - alpha_start) * (i / n))
        out_grad = np.zeros((len(targets), syn0.shape[1]), np.float32)
        for j in range(lo[i], hi[i]):
            if j == i:
                continue
            x = ids[j]
            in_grad = np.zeros(syn0.shape[1], np.float32)
            for k, t in enumerate(targets):
                if t < 0:
                    continue
                f = float(np.clip(syn0[x] @ syn1[t], -10, 10))
                g = ((1.0 if k == 0 else 0.0) - 1 / (1 + np.exp(-f))) * alpha
                in_grad += g * syn1[t]
                out_grad[k] += g * syn0[x]
            syn0[x] += in_grad
        for k, t in enumerate(targets):
            if t >= 0:
                syn1[t] += out_grad[k]


@interpreted_only
def test_kernel_equals_sequential_sgd_on_one_program(interpreted):
    rng = np.random.default_rng(0)
    vocab, dim = 30, 12
    syn0 = ((rng.random((vocab, dim)) - 0.5) / dim).astype(np.float32)
    syn1 = (rng.random((vocab, dim)) - 0.5).astype(np.float32)
    model = interpreted.TritonSkipGram(syn0.copy(), syn1.copy(), np.ones(vocab),
                                       np.arange(vocab), 4, 3, "cpu", seed=1)
    ids = torch.from_numpy(rng.integers(0, vocab, 150))
    sentence = torch.from_numpy(np.repeat(np.arange(15), 10))
    ids, lo, hi, negs = model.prepare(ids, sentence)
    assert (negs == -1).any(), "the test should cover a negative equal to its centre"
    loss, pairs = model.run(ids, lo, hi, negs, 0.05, 0.01, programs=1)

    ref0, ref1 = syn0.copy(), syn1.copy()
    sequential_sgd(ids.numpy(), lo.numpy(), hi.numpy(), negs.numpy(), ref0, ref1, 0.05, 0.01)
    got0, got1 = model.weights()
    assert pairs == int((hi - lo - 1).sum())
    assert np.isfinite(loss) and loss > 0
    assert np.abs(ref0 - syn0).max() > 1e-3, "training should have moved the vectors"
    np.testing.assert_allclose(got0, ref0, atol=2e-6)
    np.testing.assert_allclose(got1, ref1, atol=2e-6)


@interpreted_only
def test_trainer_runs_the_triton_backend(interpreted):
    corpus = topic_corpus(n_sentences=30)
    settings = SkipGramSettings(dim=8, window=2, negative=3, epochs=1, min_count=1, sample=0,
                                seed=3, device="cpu", backend="triton", programs=4)
    trainer = SkipGramTrainer(corpus, settings)
    before = trainer.snapshot().vectors.copy()
    reports = []
    space = trainer.train(on_epoch=reports.append)
    assert trainer.backend == "triton"
    assert [r.epoch for r in reports] == [1]
    assert np.isfinite(reports[0].loss) and reports[0].loss > 0
    assert np.abs(space.vectors - before).max() > 1e-3




@interpreted_only
def test_the_kernel_is_interpreted(interpreted):
    from triton.runtime.interpreter import InterpretedFunction

    assert isinstance(interpreted._sgns_kernel, InterpretedFunction)


def test_window_bounds_stay_in_the_sentence_and_reach():
    from engine.words.sgns_triton import window_bounds

    sentence = torch.tensor([0, 0, 0, 1, 1, 3, 3, 3, 3, 3])
    reach = torch.tensor([2, 1, 3, 1, 2, 1, 4, 2, 1, 3])
    lo, hi = window_bounds(sentence, reach)
    for i in range(len(sentence)):
        inside = [j for j in range(len(sentence))
                  if sentence[j] == sentence[i] and abs(j - i) <= reach[i]]
        assert (lo[i].item(), hi[i].item()) == (min(inside), max(inside) + 1)


@pytest.mark.skipif(INTERPRETED, reason="compiles; the interpreter has no compiler")
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
