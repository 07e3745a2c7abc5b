"""Skip-gram with negative sampling on CUDA: the numba kernel's algorithm as a Triton
kernel, run Hogwild by thousands of GPU programs at once.

Why not batched torch SGD (``sgns_torch``): a batch sums the updates of every pair it
holds, all computed from the same stale rows. For frequent words that is thousands of
updates at once; capping them keeps training stable but costs quality (at 30 epochs on an
H100, SimLex 0.396 against the CPU kernel's 0.426). Here each program walks its own
stretch of the corpus pair by pair, exactly like ``sgns_numba.train_chunk`` does on a CPU
thread: negatives drawn once per centre word and shared by its window, the context row
updated after every pair, the K+1 output rows updated once per window. Programs share the
weight matrices and add their updates atomically (Hogwild, Recht et al. 2011).

The random parts (subsampling, dynamic windows, negatives) are drawn with torch on the
device, vectorised, before a launch; the kernel only does the arithmetic. The same kernel
runs on the CPU under ``TRITON_INTERPRET=1``, which is how the tests check it here.
"""

from __future__ import annotations

import numpy as np
import torch
import triton
import triton.language as tl

from engine.words.sgns_torch import DeviceSkipGram


@triton.jit
def _sgns_kernel(
    ids_ptr,  # int32 [n] kept tokens of the block, sentence breaks removed
    lo_ptr,  # int32 [n] first position of token i's window (same sentence)
    hi_ptr,  # int32 [n] one past the last position of token i's window
    negs_ptr,  # int32 [n, K] token i's negatives, -1 where one equals the centre
    syn0_ptr,  # float32 [V, D] input (word) vectors
    syn1_ptr,  # float32 [V, D] output vectors
    loss_ptr,  # float32 [programs, 2]: loss sum, pair count
    n,
    tokens_per_program,
    alpha_start,
    alpha_stop,
    D,
    K: tl.constexpr,
    ROWS: tl.constexpr,  # power of two >= K + 1
    BLOCK_D: tl.constexpr,  # power of two >= D
):
    pid = tl.program_id(0)
    start = pid * tokens_per_program
    stop = tl.minimum(start + tokens_per_program, n)
    cols = tl.arange(0, BLOCK_D)
    col_ok = cols < D
    rows = tl.arange(0, ROWS)
    label = (rows == 0).to(tl.float32)
    is_negative = (rows >= 1) & (rows <= K)
    loss = 0.0
    pairs = 0.0
    for i in range(start, stop):
        centre = tl.load(ids_ptr + i)
        negs = tl.load(negs_ptr + i * K + rows - 1, mask=is_negative, other=-1)
        targets = tl.where(rows == 0, centre, negs)
        valid = targets >= 0
        row_ok = valid[:, None] & col_ok[None, :]
        out_ptrs = syn1_ptr + tl.where(valid, targets, 0).to(tl.int64)[:, None] * D + cols[None, :]
        out_rows = tl.load(out_ptrs, mask=row_ok, other=0.0, cache_modifier=".cg")
        out_grad = tl.zeros((ROWS, BLOCK_D), dtype=tl.float32)
        alpha = alpha_start + (alpha_stop - alpha_start) * (i / n)
        weight = tl.where(valid, alpha, 0.0)
        lo = tl.load(lo_ptr + i)
        hi = tl.load(hi_ptr + i)
        for j in range(lo, hi):
            if j != i:
                context = tl.load(ids_ptr + j)
                in_ptrs = syn0_ptr + context.to(tl.int64) * D + cols
                v = tl.load(in_ptrs, mask=col_ok, other=0.0, cache_modifier=".cg")
                f = tl.sum(out_rows * v[None, :], axis=1)
                f = tl.minimum(tl.maximum(f, -10.0), 10.0)
                sig = tl.sigmoid(f)
                g = (label - sig) * weight
                in_grad = tl.sum(g[:, None] * out_rows, axis=0)
                out_grad += g[:, None] * v[None, :]
                tl.atomic_add(in_ptrs, in_grad, mask=col_ok, sem="relaxed")
                p = tl.where(rows == 0, sig, 1.0 - sig)
                loss -= tl.sum(tl.where(valid, tl.log(p + 1e-7), 0.0), axis=0)
                pairs += 1.0
        tl.atomic_add(out_ptrs, out_grad, mask=row_ok, sem="relaxed")
    tl.store(loss_ptr + pid * 2, loss)
    tl.store(loss_ptr + pid * 2 + 1, pairs)


def window_bounds(sentence: torch.Tensor, reach: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For kept tokens in corpus order, each token's window [lo, hi): ``reach`` places
    either side, cut at its sentence's ends. ``sentence`` must be non-decreasing."""
    first = torch.searchsorted(sentence, sentence, right=False)
    end = torch.searchsorted(sentence, sentence, right=True)
    position = torch.arange(sentence.shape[0], device=sentence.device)
    lo = torch.maximum(position - reach, first)
    hi = torch.minimum(position + reach + 1, end)
    return lo.to(torch.int32), hi.to(torch.int32)


class TritonSkipGram(DeviceSkipGram):
    """Holds the weights on the device and trains one block of the corpus per call."""

    def __init__(
        self,
        syn0: np.ndarray,
        syn1: np.ndarray,
        keep_prob: np.ndarray,
        table: np.ndarray,
        window: int,
        negative: int,
        device: str,
        seed: int,
        programs: int = 1024,
    ) -> None:
        super().__init__(syn0, syn1, keep_prob, table, window, negative, device, seed)
        self.programs = programs

    def prepare(self, ids: torch.Tensor, sentence: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Subsample, draw windows and negatives: (ids, lo, hi, negatives) as int32."""
        ids, sentence, reach = self.subsample(ids, sentence)
        lo, hi = window_bounds(sentence, reach)
        slots = torch.randint(0, self.table.shape[0], (ids.shape[0], self.negative),
                              generator=self.generator, device=self.device)
        negs = self.table[slots]
        # a negative equal to the centre would push the word away from itself
        negs = torch.where(negs == ids[:, None], -1, negs)
        return ids.to(torch.int32), lo, hi, negs.to(torch.int32).contiguous()

    def run(self, ids: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, negs: torch.Tensor,
            alpha_start: float, alpha_stop: float, programs: int | None = None
            ) -> tuple[float, int]:
        """Train on prepared tokens; returns (mean loss per pair, pairs trained)."""
        n = int(ids.shape[0])
        if n == 0:
            return 0.0, 0
        programs = max(1, min(programs or self.programs, n))
        per_program = -(-n // programs)
        programs = -(-n // per_program)
        losses = torch.zeros((programs, 2), dtype=torch.float32, device=self.device)
        dim = self.syn0.shape[1]
        _sgns_kernel[(programs,)](
            ids, lo, hi, negs, self.syn0, self.syn1, losses, n, per_program,
            float(alpha_start), float(alpha_stop), dim,
            K=self.negative, ROWS=triton.next_power_of_2(self.negative + 1),
            BLOCK_D=triton.next_power_of_2(dim), num_warps=1,
        )
        loss_sum, pair_count = losses.sum(0).tolist()
        return loss_sum / max(pair_count, 1.0), int(pair_count)

    def train_block(self, ids: np.ndarray, sentence: np.ndarray, alpha_start: float,
                    alpha_stop: float) -> tuple[float, int]:
        return self.run(*self.prepare(*self.block_tensors(ids, sentence)), alpha_start,
                        alpha_stop)
