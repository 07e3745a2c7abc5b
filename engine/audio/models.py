"""The two networks of the audio-word space (Bengio & Heigold 2014).

``AcousticModel``: a CNN over a 2 s window of log-mel frames that classifies whole
words; its last hidden layer (``embed``) is the acoustic embedding. ``LetterModel``: a
bag of letter n-grams (``engine/audio/ngrams.py``) through two layers into the same
space, so any spelling gets a point there (``embed_words``); it is trained after the
acoustic model, with that model's embeddings fixed, by a ranking loss.

Both are plain ``torch.nn.Module``s; ``save_models``/``load_models`` store their weights
as one ``.npz`` plus a JSON manifest (no pickle).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.audio.ngrams import NgramIndex
from engine.audio.signal import N_MELS, WINDOW_FRAMES
from engine.errors import EngineError

FLOOR = -16.0  # log-energy floor below each take's loudest bin (about 70 dB)


def normalise_features(features: torch.Tensor) -> torch.Tensor:
    """Log-mel (B, mels, frames) relative to each take's loudest bin, floored and scaled
    to about [-1, 1]: the same word at any gain or distance gives the same input."""
    peak = features.amax(dim=(-2, -1), keepdim=True)
    return (torch.clamp(features - peak, min=FLOOR) - FLOOR / 2) / (-FLOOR / 2)


@dataclass(frozen=True)
class AcousticShape:
    n_words: int
    channels: tuple[int, ...] = (128, 128, 192, 256)
    hidden: int = 512
    embedding: int = 256
    n_mels: int = N_MELS
    frames: int = WINDOW_FRAMES


def _block(cin: int, cout: int, kernel: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(cin, cout, kernel, stride, padding=kernel // 2, bias=False),
                         nn.BatchNorm1d(cout), nn.ReLU(inplace=True))


class AcousticModel(nn.Module):
    """Log-mel window → acoustic embedding → word logits.

    Convolutions run over time with the mel bands as channels (as TC-ResNet, Choi et al.
    2019): on this 2-core CPU a step takes a quarter of a 2D CNN's of the same depth,
    measured at about 0.17 s for 128 clips against 0.7 s."""

    def __init__(self, shape: AcousticShape) -> None:
        super().__init__()
        self.shape = shape
        c = shape.channels
        self.features = nn.Sequential(
            _block(shape.n_mels, c[0], 5, 1),  # 10 ms steps
            _block(c[0], c[1], 5, 2), _block(c[1], c[1], 3, 1),  # 20 ms
            _block(c[1], c[2], 5, 2), _block(c[2], c[2], 3, 1),  # 40 ms
            _block(c[2], c[3], 3, 2))  # 80 ms
        # Time keeps its order (a word is a sequence), pooled to 12 steps of ~170 ms.
        self.time = nn.AdaptiveAvgPool1d(12)
        self.project = nn.Sequential(
            nn.Flatten(), nn.Linear(c[3] * 12, shape.hidden), nn.BatchNorm1d(shape.hidden),
            nn.ReLU(inplace=True), nn.Dropout(0.3), nn.Linear(shape.hidden, shape.embedding),
            nn.BatchNorm1d(shape.embedding), nn.ReLU(inplace=True))
        self.classify = nn.Sequential(nn.Dropout(0.2), nn.Linear(shape.embedding, shape.n_words))

    def embed(self, features: torch.Tensor) -> torch.Tensor:
        """Normalised log-mel (B, mels, frames) → (B, embedding)."""
        return self.project(self.time(self.features(features)))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.classify(self.embed(features))


@dataclass(frozen=True)
class LetterShape:
    n_grams: int
    hidden: int = 256
    embedding: int = 256


class LetterModel(nn.Module):
    """Bag of letter n-grams → the acoustic space."""

    def __init__(self, shape: LetterShape) -> None:
        super().__init__()
        self.shape = shape
        self.grams = nn.EmbeddingBag(shape.n_grams, shape.hidden, mode="sum")
        self.bias = nn.Parameter(torch.zeros(shape.hidden))
        self.out = nn.Sequential(nn.ReLU(), nn.Dropout(0.1),
                                 nn.Linear(shape.hidden, shape.embedding))

    def forward(self, rows: torch.Tensor, offsets: torch.Tensor,
                weights: torch.Tensor) -> torch.Tensor:
        return self.out(self.grams(rows, offsets, per_sample_weights=weights) + self.bias)


def ngram_batch(index: NgramIndex, words) -> tuple[torch.Tensor, ...]:
    """EmbeddingBag input for ``words``: rows, offsets, weights (each bag's counts
    scaled to sum to one, so long and short words weigh alike)."""
    rows: list[int] = []
    offsets: list[int] = []
    weights: list[float] = []
    for word in words:
        offsets.append(len(rows))
        r, c = index.rows(word)
        total = sum(c) or 1.0
        rows += r
        weights += [x / total for x in c]
    return (torch.tensor(rows, dtype=torch.long), torch.tensor(offsets, dtype=torch.long),
            torch.tensor(weights, dtype=torch.float32))


@dataclass
class AudioModels:
    """A trained pair with the words and n-grams they know."""

    acoustic: AcousticModel
    letters: LetterModel | None
    words: tuple[str, ...]  # the classifier's classes, in order
    ngrams: NgramIndex
    manifest: dict

    def embed_words(self, words, device: str | None = None) -> np.ndarray:
        """Letter-model points of any spellings (unit length), computed where the letter
        model lives (``device`` is accepted for callers that name it)."""
        if self.letters is None:
            raise EngineError("These audio models have no letter model yet.",
                              "Train it: python -m engine audio train")
        # Models just trained on CUDA are still there; loaded ones are on the CPU.
        device = next(self.letters.parameters()).device
        self.letters.eval()
        with torch.no_grad():
            batch = [t.to(device) for t in ngram_batch(self.ngrams, list(words))]
            points = self.letters(*batch)
        return nn.functional.normalize(points, dim=1).cpu().numpy()


def save_models(models: AudioModels, folder: Path) -> Path:
    """Write ``models.npz`` and ``manifest.json`` to ``folder`` (atomically each)."""
    import io

    from engine.storage import atomic_write_bytes, atomic_write_text

    folder.mkdir(parents=True, exist_ok=True)
    arrays = {f"acoustic.{k}": v.detach().cpu().numpy()
              for k, v in models.acoustic.state_dict().items()}
    if models.letters is not None:
        arrays |= {f"letters.{k}": v.detach().cpu().numpy()
                   for k, v in models.letters.state_dict().items()}
    for key, value in list(arrays.items()):
        if value.dtype == np.float32 and value.size > 4096:
            arrays[key] = value.astype(np.float16)  # halves the shipped size
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(folder / "models.npz", buffer.getvalue())
    manifest = {**models.manifest, "format": "embedding-explorer-audio-models", "version": 1,
                "acoustic_shape": asdict(models.acoustic.shape),
                "letter_shape": asdict(models.letters.shape) if models.letters else None,
                "words": list(models.words), "ngrams": list(models.ngrams.grams)}
    atomic_write_text(folder / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    return folder


def _part(arrays, prefix: str) -> dict[str, torch.Tensor]:
    """One model's weights from the saved arrays, float16 widened back to float32."""
    return {k.removeprefix(prefix): torch.from_numpy(
        arrays[k].astype(np.float32) if arrays[k].dtype == np.float16 else arrays[k])
        for k in arrays.files if k.startswith(prefix)}


def load_models(folder: Path) -> AudioModels:
    folder = Path(folder)
    hint = "Train them again: python -m engine audio train"
    if not (folder / "models.npz").is_file():
        raise EngineError(f"No audio models in {folder}.", hint)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        shape = manifest["acoustic_shape"]
        acoustic = AcousticModel(AcousticShape(**{**shape,
                                                  "channels": tuple(shape["channels"])}))
        arrays = np.load(folder / "models.npz")
        acoustic.load_state_dict(_part(arrays, "acoustic."))
        letters = None
        if manifest.get("letter_shape"):
            letters = LetterModel(LetterShape(**manifest["letter_shape"]))
            letters.load_state_dict(_part(arrays, "letters."))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
        raise EngineError(f"{folder} holds no readable audio models ({e}).", hint) from None
    acoustic.eval()
    if letters is not None:
        letters.eval()
    rest = {k: v for k, v in manifest.items() if k not in ("words", "ngrams")}
    return AudioModels(acoustic, letters, tuple(manifest["words"]),
                       NgramIndex(manifest["ngrams"]), rest)
