"""The image-label models, over the encoder's 1,280-d features (L2-normalised).

* ``LinearClassifier``: softmax regression on the features, one class per label. It is
  the "classifier" of the comparison, and ConSE's classifier over our own labels.
* ``Wsabie`` (Weston, Bengio & Usunier 2011): a linear map V of features into a
  d-dimensional space and one vector per label (W); score(x, y) = W_y . V x. Trained
  with WARP: for a picture and its label, sample other labels until one scores within
  the margin of the right one; after N samples among Y labels the right label's rank is
  estimated as floor((Y - 1) / N), and the hinge is weighted by L(k) = sum_{j<=k} 1/j,
  which pushes hardest where the right label is far from the top. Norms are kept within
  ``max_norm``. ``loss="hinge"`` weighs every violation alike: the paper's ablation.
* ``Devise`` (Frome et al. 2013): a linear map M of features into a word space, trained
  with a hinge rank loss (margin 0.1) against the unit vectors of the training labels'
  words; any word of the space can then be an answer.
* ``conse`` (Norouzi et al. 2014): a classifier's top-T probabilities weight the word
  vectors of those classes; the answer is the nearest words to that convex combination.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress


class Adam:
    """Adam (Kingma & Ba 2015) over a few tensors. Not ``torch.optim.Adam``: building
    that imports torch._dynamo, which imports Triton where it is installed, and Triton's
    import crashed (SIGSEGV) inside a process that had loaded Qt (measured in the test
    suite)."""

    def __init__(self, params, lr: float, weight_decay: float = 0.0,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        import torch

        self.params = list(params)
        self.lr, self.weight_decay, self.betas, self.eps = lr, weight_decay, betas, eps
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        import torch

        self.t += 1
        b1, b2 = self.betas
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v, strict=True):
                if p.grad is None:
                    continue
                g = p.grad + self.weight_decay * p if self.weight_decay else p.grad
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                m_hat = m / (1 - b1 ** self.t)
                v_hat = v / (1 - b2 ** self.t)
                p.sub_(self.lr * m_hat / (v_hat.sqrt() + self.eps))


def _reports_epoch(epoch: int, epochs: int) -> bool:
    """Whether a full-batch trainer reports after (0-based) ``epoch``: the first, every
    20th and the last. A report carries that step's loss, the loss of the whole training
    set: one number per step at no extra cost, but hundreds of reports a minute would
    only repaint a curve."""
    return epoch == 0 or (epoch + 1) % 20 == 0 or epoch == epochs - 1


def unit_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


# ---- the classifier ---------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LinearClassifier:
    weights: np.ndarray  # C x F
    bias: np.ndarray  # C

    def scores(self, features: np.ndarray) -> np.ndarray:
        return unit_rows(features) @ self.weights.T + self.bias

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        s = self.scores(features)
        s = np.exp(s - s.max(axis=1, keepdims=True))
        return s / s.sum(axis=1, keepdims=True)


def train_classifier(features: np.ndarray, labels: np.ndarray, n_classes: int,
                     epochs: int = 300, lr: float = 0.05, weight_decay: float = 1e-4,
                     seed: int = 0, progress: ProgressCallback = no_progress,
                     cancel: CancelToken = NEVER_CANCELLED) -> LinearClassifier:
    """Full-batch Adam on the cross-entropy; features are few (thousands), so each epoch
    is one matrix product."""
    import torch

    torch.manual_seed(seed)
    x = torch.from_numpy(unit_rows(features))
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    layer = torch.nn.Linear(x.shape[1], n_classes)
    # Unit-norm inputs give logits near zero: a scale lets the softmax become confident.
    scale = torch.nn.Parameter(torch.tensor(10.0))
    optimiser = Adam([*layer.parameters(), scale], lr=lr, weight_decay=weight_decay)
    for epoch in range(epochs):
        if epoch % 20 == 0:
            cancel.raise_if_cancelled()
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(layer(x) * scale, y)
        loss.backward()
        optimiser.step()
        if _reports_epoch(epoch, epochs):
            progress(Progress((epoch + 1) / epochs, f"classifier: epoch {epoch + 1}/{epochs}",
                              {"epoch": epoch + 1, "loss": loss.item()}))
    with torch.no_grad():
        w = (layer.weight * scale).numpy().astype(np.float32)
        b = (layer.bias * scale).numpy().astype(np.float32)
    return LinearClassifier(w, b)


# ---- WSABIE -------------------------------------------------------------------------------
def warp_rank_weight(rank: int) -> float:
    """L(k) = sum_{j=1..k} 1/j (0 for k = 0): WARP's weight for an estimated rank k."""
    return float(sum(1.0 / j for j in range(1, rank + 1)))


def warp_rank_estimate(n_labels: int, trials: int) -> int:
    """floor((Y - 1) / N): the right label's rank, guessed from the N samples it took to
    find a violating label among Y."""
    return (n_labels - 1) // max(trials, 1)


@dataclass(frozen=True, eq=False)
class Wsabie:
    V: np.ndarray  # d x F: features into the joint space
    W: np.ndarray  # Y x d: one vector per label
    loss: str  # "warp" or "hinge"

    def embed(self, features: np.ndarray) -> np.ndarray:
        return unit_rows(features) @ self.V.T

    def scores(self, features: np.ndarray) -> np.ndarray:
        return self.embed(features) @ self.W.T


def train_wsabie(features: np.ndarray, labels: np.ndarray, n_labels: int, dim: int = 100,
                 loss: str = "warp", epochs: int = 40, lr: float = 0.01,
                 margin: float = 1.0, max_norm: float = 1.0, lr_decay: bool = True,
                 seed: int = 0, progress: ProgressCallback = no_progress,
                 cancel: CancelToken = NEVER_CANCELLED) -> Wsabie:
    """Stochastic gradient descent, one (picture, label) pair at a time, as the paper;
    ``lr_decay`` lowers the rate linearly over the epochs, from ``lr`` to ``lr / epochs``.

    The defaults are WARP's best of bench/images_wsabie_sweep.py (held-out precision@10,
    3 seeds): a step is ``lr * L(rank)`` and L reaches 7.3 among 836 labels, so the old
    lr = 0.05 moved norm-1 vectors by a third each step (p@1/p@10 0.29/0.61 against 0.61/0.85
    now). The uniform hinge takes steps of ``lr`` alone and wants lr = 0.1."""
    from scipy.linalg.blas import sger

    if loss not in ("warp", "hinge"):
        raise ValueError(f"loss must be 'warp' or 'hinge', not {loss!r}")
    rng = np.random.default_rng(seed)
    # float32 throughout: every step is memory-bound, and SGD's noise dwarfs its rounding.
    x_all = unit_rows(features)
    labels = np.asarray(labels, dtype=np.int64)
    n_features = x_all.shape[1]
    V = rng.normal(0, 1 / np.sqrt(n_features), (dim, n_features)).astype(np.float32)
    W = rng.normal(0, 1 / np.sqrt(dim), (n_labels, dim)).astype(np.float32)

    def clip(rows: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(rows, axis=-1, keepdims=True)
        return rows * np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))

    def clip_row(r: int) -> None:
        norm = np.sqrt(W[r] @ W[r])
        if norm > max_norm:
            W[r] *= max_norm / norm

    W = clip(W)
    # Column-major, the layout BLAS's rank-1 update (sger) writes in place: V's update is
    # 128,000 numbers a step, and numpy's ``V -= np.outer(...)`` took 5x as long.
    V = np.asfortranarray(clip(V.T).T)
    rank_weights = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, n_labels))])
    for epoch in range(epochs):
        cancel.raise_if_cancelled()
        rate = lr * (1 - epoch / epochs) if lr_decay else lr
        # The epoch's loss, summed as it goes: each pair's hinge before its step (times
        # L(rank) for WARP), 0 for a pair within the margin; one float addition a step.
        epoch_loss = 0.0
        for i in rng.permutation(len(labels)):
            x, y = x_all[i], labels[i]
            z = V @ x
            positive = W[y] @ z
            if loss == "warp":
                # The paper samples labels one at a time until one violates the margin,
                # giving up after Y - 1 trials. With v violators among the Y - 1 other
                # labels, the trials it takes are geometric with p = v / (Y - 1) and the
                # violator it finds is uniform among the v, independently: drawing
                # both at once is the same distribution, without a Python loop of up to
                # Y - 1 dot products (at Y = 836 the scores of every label cost less).
                hinges = margin - positive + W @ z
                violating = hinges > 0
                violating[y] = False
                candidates = np.flatnonzero(violating)
                if not len(candidates):
                    continue
                trials = int(rng.geometric(len(candidates) / (n_labels - 1)))
                if trials > n_labels - 1:
                    continue
                j = int(candidates[rng.integers(len(candidates))])
                weight = rank_weights[warp_rank_estimate(n_labels, trials)]  # L(k)
                hinge = hinges[j]
            else:
                j = int(rng.integers(n_labels - 1))
                j += j >= y
                hinge = margin - positive + W[j] @ z
                if hinge <= 0:
                    continue
                weight = 1.0
            epoch_loss += float(weight * hinge)
            step = float(rate * weight)
            grad_z = W[j] - W[y]
            W[y] += step * z
            W[j] -= step * z
            V = sger(-step, grad_z, x, a=V, overwrite_a=True)  # V -= step grad_z x^T
            clip_row(y)
            clip_row(j)
        V = np.asfortranarray(clip(V.T).T)
        progress(Progress((epoch + 1) / epochs, f"WSABIE ({loss}): epoch {epoch + 1}/{epochs}",
                          {"epoch": epoch + 1, "loss": epoch_loss / max(len(labels), 1)}))
    progress(Progress(1.0, f"WSABIE ({loss}) trained"))
    return Wsabie(np.ascontiguousarray(V), W, loss)


# ---- DeViSE ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Devise:
    M: np.ndarray  # D x F: features into the word space

    def embed(self, features: np.ndarray) -> np.ndarray:
        return unit_rows(unit_rows(features) @ self.M.T)


def train_devise(features: np.ndarray, labels: np.ndarray, label_vectors: np.ndarray,
                 margin: float = 0.1, epochs: int = 300, lr: float = 0.01, seed: int = 0,
                 progress: ProgressCallback = no_progress,
                 cancel: CancelToken = NEVER_CANCELLED) -> Devise:
    """Hinge rank loss: sum over wrong labels j of max(0, margin - t_y . Mx + t_j . Mx),
    with unit label vectors t; full-batch Adam over every wrong training label."""
    import torch

    torch.manual_seed(seed)
    x = torch.from_numpy(unit_rows(features))
    t = torch.from_numpy(unit_rows(label_vectors))
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    M = torch.nn.Parameter(torch.randn(t.shape[1], x.shape[1]) * 0.01)
    optimiser = Adam([M], lr=lr)
    for epoch in range(epochs):
        if epoch % 20 == 0:
            cancel.raise_if_cancelled()
        optimiser.zero_grad()
        scores = (x @ M.T) @ t.T  # N x Y
        right = scores.gather(1, y[:, None])
        hinge = torch.clamp(margin - right + scores, min=0.0)
        hinge = hinge.scatter(1, y[:, None], 0.0)
        loss = hinge.sum(dim=1).mean()
        loss.backward()
        optimiser.step()
        if _reports_epoch(epoch, epochs):
            progress(Progress((epoch + 1) / epochs, f"DeViSE: epoch {epoch + 1}/{epochs}",
                              {"epoch": epoch + 1, "loss": loss.item()}))
    return Devise(M.detach().numpy().astype(np.float32))


# ---- ConSE ---------------------------------------------------------------------------------
def conse(probabilities: np.ndarray, class_vectors: np.ndarray, top: int | None = 10
          ) -> np.ndarray:
    """Norouzi et al.'s convex combination: f(x) = (1/Z) sum_{t<=T} p(y_t|x) s(y_t), over
    the T most probable classes (all of them for ``top=None``), with unit word vectors
    s and Z the sum of those probabilities. Returns unit rows (N x D)."""
    p = np.asarray(probabilities, dtype=np.float64)
    s = unit_rows(class_vectors).astype(np.float64)
    if top is not None and top < p.shape[1]:
        keep = np.argpartition(-p, top - 1, axis=1)[:, :top]
        mask = np.zeros_like(p)
        np.put_along_axis(mask, keep, 1.0, axis=1)
        p = p * mask
    p /= np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
    return unit_rows((p @ s).astype(np.float32))
