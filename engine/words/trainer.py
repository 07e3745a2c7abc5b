"""``SkipGramTrainer``: trains word vectors on a corpus, publishing a space each epoch.

The trainer owns the mutable weights; what leaves it is always an immutable
``EmbeddingSpace`` snapshot. After each epoch it writes the space and a checkpoint
atomically, so a cancelled or crashed run resumes from its last finished epoch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.paths import cache_dir
from engine.spaces import EmbeddingSpace
from engine.words.vocab import (
    SENTENCE_BREAK,
    Vocabulary,
    build_vocabulary,
    count_words,
    encode_corpus,
    keep_probabilities,
    noise_table,
)

BACKENDS = ("auto", "numba", "triton", "torch")


def triton_available() -> bool:
    return importlib.util.find_spec("triton") is not None


@dataclass(frozen=True)
class SkipGramSettings:
    """Hyper-parameters; the defaults are gensim's Word2Vec(sg=1) defaults except epochs."""

    dim: int = 100
    window: int = 5
    negative: int = 5
    epochs: int = 5
    min_count: int = 5
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    seed: int = 1
    threads: int = 2
    device: str = "auto"  # auto | cpu | cuda
    # auto | numba | triton | torch. auto is numba on the CPU (the faster CPU path) and
    # triton on CUDA (numba's algorithm on the GPU); torch is batched SGD, the fallback
    # where triton is missing.
    backend: str = "auto"
    share_negatives: bool = True  # one negative set per centre word (numba and torch)
    chunk_tokens: int = 40_000  # numba: tokens per thread task (cancel granularity)
    batch_pairs: int = 32768  # torch: pairs per SGD step (measured best on an H100)
    update_cap: float = 64.0  # torch: a row's updates are summed up to this many per batch
    # triton: GPU programs training their own stretch at once. Each reads rows the others
    # are still updating; simulated in lock-step on the CPU (bench/words_staleness.py),
    # 256-2,048 programs came within 0.02 SimLex of the CPU kernel; 4,096 collapsed.
    programs: int = 1024
    # Published vectors are input + output_weight * output vectors. Adding the context
    # (output) vectors is Levy, Goldberg & Dagan 2015's "w + c": it folds second-order
    # similarity into each word. 0 publishes the input vectors alone, as word2vec does.
    output_weight: float = 0.0

    def validate(self) -> None:
        checks = [
            (self.dim >= 1, "--dim must be at least 1"),
            (self.window >= 1, "--window must be at least 1"),
            (self.negative >= 1, "--negative must be at least 1"),
            (self.epochs >= 1, "--epochs must be at least 1"),
            (self.min_count >= 1, "--min-count must be at least 1"),
            (0 <= self.sample < 1, "--sample must be in [0, 1)"),
            (self.alpha > 0, "--alpha must be positive"),
            (self.threads >= 1, "--threads must be at least 1"),
            (self.output_weight >= 0, "--output-weight must not be negative"),
            (self.device in ("auto", "cpu", "cuda"), "--device must be auto, cpu or cuda"),
            (self.backend in BACKENDS, "--backend must be " + "/".join(BACKENDS)),
            (self.programs >= 1, "--programs must be at least 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise EngineError(f"Invalid training setting: {message}.")

    def resolved_device(self) -> tuple[str, str]:
        """(device, backend) actually used: CUDA when present (torch), else numba on CPU."""
        device = self.device
        if device in ("auto", "cuda"):
            from engine.device import cuda_available

            if cuda_available():
                device = "cuda"
            elif device == "cuda":
                raise EngineError(
                    "--device cuda was asked for, but torch sees no CUDA GPU.",
                    "Use --device cpu (or auto), or install a CUDA build of torch.",
                )
            else:
                device = "cpu"
        backend = self.backend
        if backend == "auto":
            backend = ("triton" if triton_available() else "torch") if device == "cuda" else "numba"
        if backend == "numba" and device == "cuda":
            raise EngineError("The numba backend runs on the CPU only.",
                              "Use --backend triton or torch.")
        if backend == "triton":
            if not triton_available():
                raise EngineError("The triton backend needs the triton package.",
                                  "CUDA builds of torch bring it; or use --backend torch.")
            if device != "cuda" and not os.environ.get("TRITON_INTERPRET"):
                raise EngineError("The triton backend runs on a CUDA GPU.",
                                  "Use --backend numba on the CPU.")
        return device, backend

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class EpochReport:
    epoch: int  # 1-based
    epochs: int
    space: EmbeddingSpace
    loss: float
    seconds: float
    raw_tokens_per_second: float


@dataclass(frozen=True)
class EncodedCorpus:
    vocab: Vocabulary
    ids: np.ndarray  # int32 with SENTENCE_BREAK markers
    fingerprint: str
    path: str
    warnings: tuple[str, ...] = ()  # e.g. "notes.txt:12: not valid UTF-8 ..."


def corpus_fingerprint(path: Path) -> str:
    """sha256 of a corpus file, or of the (name, size, mtime) list of a folder's files."""
    h = hashlib.sha256()
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            st = f.stat()
            h.update(f"{f.relative_to(path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    else:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def load_encoded_corpus(
    path: Path,
    min_count: int,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    warnings: list[str] | None = None,
) -> EncodedCorpus:
    """Count, build the vocabulary and encode a corpus; cached on disk by content hash."""
    from engine.storage import atomic_writer
    from engine.words.corpus import iter_corpus_sentences

    path = Path(path)
    if not path.exists():
        raise EngineError(
            f"Corpus {path} does not exist.",
            "Give a text file or folder, or build the default: python -m engine words "
            "build-corpus.",
        )
    fingerprint = corpus_fingerprint(path)
    cached = cache_dir("encoded") / f"{fingerprint[:24]}-min{min_count}.npz"
    if cached.exists():
        try:
            with np.load(cached, allow_pickle=False) as z:
                vocab = Vocabulary(tuple(z["words"].tolist()), z["counts"], int(z["total"]))
                found = tuple(z["warnings"].tolist()) if "warnings" in z else ()
                ids = z["ids"]
            if warnings is not None:
                warnings.extend(found)
            return EncodedCorpus(vocab, ids, fingerprint, str(path), found)
        except (OSError, ValueError, KeyError):
            cached.unlink(missing_ok=True)  # a damaged cache is rebuilt, never trusted
    progress(Progress(0.0, "counting words"))
    found: list[str] = []
    counter, total = count_words(iter_corpus_sentences(path, cancel=cancel, warnings=found),
                                 cancel)
    if warnings is not None:
        warnings.extend(found)
    vocab = build_vocabulary(counter, total, min_count)
    progress(Progress(0.5, f"encoding {total:,} tokens, {len(vocab):,} words"))
    ids = encode_corpus(iter_corpus_sentences(path, cancel=cancel), vocab, cancel)
    with atomic_writer(cached) as fh:
        np.savez(fh, words=np.array(vocab.words), counts=vocab.counts,
                 total=np.int64(vocab.total_raw_tokens), ids=ids,
                 warnings=np.array(found, dtype=str))
    progress(Progress(1.0, "corpus ready"))
    return EncodedCorpus(vocab, ids, fingerprint, str(path), tuple(found))


class SkipGramTrainer:
    """Trains skip-gram vectors on an encoded corpus.

    ``train`` runs epochs ``start_epoch+1 .. epochs``; ``on_epoch`` receives an
    ``EpochReport`` with a fresh immutable space after each.
    """

    def __init__(self, corpus: EncodedCorpus, settings: SkipGramSettings) -> None:
        settings.validate()
        self.corpus = corpus
        self.settings = settings
        self.device, self.backend = settings.resolved_device()
        vocab = corpus.vocab
        rng = np.random.default_rng(settings.seed)
        # word2vec's initialisation: inputs uniform in +-0.5/dim, outputs zero
        self.syn0 = ((rng.random((len(vocab), settings.dim), dtype=np.float32) - 0.5)
                     / settings.dim)
        self.syn1 = np.zeros((len(vocab), settings.dim), dtype=np.float32)
        self.keep_prob = keep_probabilities(vocab.counts, settings.sample)
        self.table = noise_table(vocab.counts)
        self.epochs_done = 0

    # ---- checkpointing -------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "epochs_done": self.epochs_done,
            "settings": self.settings.to_json(),
            "corpus_sha256": self.corpus.fingerprint,
            "vocab": self.corpus.vocab.fingerprint(),
        }

    def save_checkpoint(self, folder: Path) -> None:
        from engine.storage import atomic_write_text, atomic_writer

        folder.mkdir(parents=True, exist_ok=True)
        for name, array in (("syn0", self.syn0), ("syn1", self.syn1)):
            with atomic_writer(folder / f"{name}.npy") as fh:
                np.save(fh, array, allow_pickle=False)
        # state last: a checkpoint counts only once its state file names its epoch
        atomic_write_text(folder / "state.json", json.dumps(self.state(), indent=1))

    def try_resume(self, folder: Path) -> bool:
        state_file = folder / "state.json"
        if not state_file.exists():
            return False
        state = json.loads(state_file.read_text())
        # These settings do not change what the saved matrices mean, so a checkpoint made
        # with other values still resumes.
        free = ("epochs", "threads", "device", "backend", "output_weight", "programs")
        same = {k: v for k, v in state["settings"].items() if k not in free}
        mine = {k: v for k, v in self.settings.to_json().items() if k in same}
        if (same != mine or state["corpus_sha256"] != self.corpus.fingerprint
                or state["vocab"] != self.corpus.vocab.fingerprint()):
            return False
        syn0 = np.load(folder / "syn0.npy", allow_pickle=False)
        syn1 = np.load(folder / "syn1.npy", allow_pickle=False)
        if syn0.shape != self.syn0.shape or syn1.shape != self.syn1.shape:
            return False
        self.syn0, self.syn1 = syn0.astype(np.float32), syn1.astype(np.float32)
        self.epochs_done = int(state["epochs_done"])
        return True

    # ---- snapshots -----------------------------------------------------------------
    def snapshot(self, extra_info: dict[str, Any] | None = None) -> EmbeddingSpace:
        vocab = self.corpus.vocab
        info = {
            "model": "skip-gram negative sampling",
            "settings": self.settings.to_json(),
            "device": self.device,
            "backend": self.backend,
            "epochs_done": self.epochs_done,
            "corpus": self.corpus.path,
            "corpus_sha256": self.corpus.fingerprint,
            "corpus_tokens": vocab.total_raw_tokens,
            "corpus_warnings": list(self.corpus.warnings[:50]),
            **(extra_info or {}),
        }
        return EmbeddingSpace(vocab.words, self.published_vectors(),
                              {"count": vocab.counts.tolist()}, "words", info)

    def published_vectors(self) -> np.ndarray:
        """The vectors a snapshot carries: input + output_weight * output (a copy)."""
        weight = self.settings.output_weight
        if weight == 0:
            return self.syn0.copy()
        return self.syn0 + np.float32(weight) * self.syn1

    # ---- training ------------------------------------------------------------------
    def train(
        self,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
        on_epoch: Callable[[EpochReport], None] | None = None,
    ) -> EmbeddingSpace:
        s = self.settings
        total_raw = self.corpus.vocab.total_raw_tokens
        if self.backend == "numba":
            run_epoch = self._numba_epoch_runner()
        else:
            run_epoch = self._torch_epoch_runner()
        for epoch in range(self.epochs_done, s.epochs):
            t0 = time.perf_counter()
            loss = run_epoch(epoch, progress, cancel, t0)
            self.epochs_done = epoch + 1
            seconds = time.perf_counter() - t0
            if on_epoch is not None:
                on_epoch(EpochReport(epoch + 1, s.epochs, self.snapshot(), loss, seconds,
                                     total_raw / seconds))
        return self.snapshot()

    def _alpha_at(self, epoch: int, fraction: float) -> float:
        s = self.settings
        done = (epoch + fraction) / s.epochs
        return max(s.min_alpha, s.alpha - (s.alpha - s.min_alpha) * done)

    def _report(self, progress, epoch, fraction, t0, loss):
        s = self.settings
        elapsed = time.perf_counter() - t0
        raw = self.corpus.vocab.total_raw_tokens
        rate = raw * fraction / elapsed if elapsed > 0 else 0.0
        remaining_tokens = raw * ((s.epochs - epoch) - fraction)
        progress(Progress(
            (epoch + fraction) / s.epochs,
            f"epoch {epoch + 1}/{s.epochs}",
            {"epoch": epoch + 1, "epochs": s.epochs, "words_per_second": rate,
             "loss": loss, "eta_seconds": remaining_tokens / rate if rate > 0 else None},
        ))

    def _numba_epoch_runner(self):
        from engine.words import sgns_numba

        s = self.settings
        ids = self.corpus.ids
        bounds = sgns_numba.chunk_bounds(ids, s.chunk_tokens)
        keep = np.minimum(self.keep_prob * 2.0**32, 2.0**32 - 1).astype(np.uint32)
        n_ids = len(ids)
        pool = ThreadPoolExecutor(max_workers=s.threads, thread_name_prefix="sgns")

        def run(epoch, progress, cancel, t0):
            futures = []  # (future, end of its chunk)
            loss_sum, loss_n = 0.0, 0
            done_to = 0  # the chunks finished so far reach this far into the corpus
            # The first report comes after a quarter second of work: a rate measured over
            # the first few milliseconds read 85M words/s.
            last_report = time.perf_counter()
            for ci, (a, b) in enumerate(bounds):
                alpha0 = self._alpha_at(epoch, a / n_ids)
                alpha1 = self._alpha_at(epoch, b / n_ids)
                seed = np.uint64((s.seed * 1_000_003 + epoch * 7_919 + ci) & 0xFFFFFFFFFFFF)
                futures.append((pool.submit(
                    sgns_numba.train_chunk, ids, a, b, self.syn0, self.syn1, keep, self.table,
                    s.window, s.negative, alpha0, alpha1, seed, 8, s.share_negatives), b))
                # keep a small queue so cancel takes effect within a couple of chunks
                while len(futures) > s.threads * 2 or (ci == len(bounds) - 1 and futures):
                    future, done_to = futures.pop(0)
                    ls, ln, _ = future.result()
                    loss_sum, loss_n = loss_sum + ls, loss_n + ln
                    if cancel.cancelled:
                        for f, _ in futures:
                            f.result()
                        cancel.raise_if_cancelled()
                now = time.perf_counter()
                if now - last_report > 0.25:
                    last_report = now
                    self._report(progress, epoch, done_to / n_ids, t0,
                                 loss_sum / max(loss_n, 1))
            loss = loss_sum / max(loss_n, 1)
            self._report(progress, epoch, 1.0, t0, loss)
            return loss

        return run

    def _torch_epoch_runner(self):
        s = self.settings
        ids = self.corpus.ids
        words = ids >= 0
        sentence_of = np.cumsum(ids == SENTENCE_BREAK)[words].astype(np.int64)
        token_ids = ids[words]
        if self.backend == "triton":
            from engine.words.sgns_triton import TritonSkipGram

            model = TritonSkipGram(self.syn0.copy(), self.syn1.copy(), self.keep_prob,
                                   self.table, s.window, s.negative, self.device, s.seed,
                                   s.programs)
        else:
            from engine.words.sgns_torch import TorchSkipGram

            model = TorchSkipGram(self.syn0, self.syn1, self.keep_prob, self.table, s.window,
                                  s.negative, self.device, s.seed, s.batch_pairs,
                                  s.update_cap, s.share_negatives)
        # one launch (or batch loop) per block: cancel and progress act between blocks
        block = 1_000_000 if self.device == "cuda" else 100_000
        n = len(token_ids)

        def run(epoch, progress, cancel, t0):
            losses = []
            for a in range(0, n, block):
                cancel.raise_if_cancelled()
                b = min(n, a + block)
                loss, _ = model.train_block(token_ids[a:b], sentence_of[a:b],
                                            self._alpha_at(epoch, a / n),
                                            self._alpha_at(epoch, b / n))
                if not np.isfinite(loss):
                    knob = ("--programs (fewer GPU programs update the same rows at once)"
                            if self.backend == "triton" else "--batch-pairs")
                    raise EngineError(
                        f"Training diverged in epoch {epoch + 1}: the loss became {loss}.",
                        f"Lower --alpha, or {knob}.")
                losses.append(loss)
                self._report(progress, epoch, b / n, t0, float(np.mean(losses)))
            self.syn0, self.syn1 = model.weights()
            return float(np.mean(losses)) if losses else 0.0

        return run


def train_words(
    corpus_path: Path,
    out_dir: Path,
    settings: SkipGramSettings,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    on_epoch: Callable[[EpochReport], None] | None = None,
    resume: bool = True,
    warnings: list[str] | None = None,
) -> EmbeddingSpace:
    """Encode the corpus, train, and after each epoch save the space to ``out_dir`` and a
    checkpoint to ``out_dir/checkpoint`` (both atomic). Resumes a matching checkpoint."""
    from engine.storage import save_space

    settings.validate()
    out_dir = Path(out_dir)
    corpus = load_encoded_corpus(Path(corpus_path), settings.min_count, progress, cancel,
                                 warnings)
    trainer = SkipGramTrainer(corpus, settings)
    checkpoint = out_dir / "checkpoint"
    if resume and trainer.try_resume(checkpoint) and trainer.epochs_done >= settings.epochs:
        return trainer.snapshot()

    def publish(report: EpochReport) -> None:
        save_space(report.space, out_dir)
        trainer.save_checkpoint(checkpoint)
        if on_epoch is not None:
            on_epoch(report)

    return trainer.train(progress, cancel, publish)
