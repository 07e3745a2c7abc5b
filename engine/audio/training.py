"""Training the acoustic model and then the letter model on a spoken-word set.

Acoustic model: cross-entropy over the heard words, on clips augmented afresh every
time they are drawn, so that a few synthetic voices stand in for many real rooms and
microphones: speed perturbation (0.9-1.1, as Ko et al. 2015; changes tempo and pitch
together), a random shift of the word in its window, reverberation by a synthetic room
impulse response (exponentially decaying noise, RT60 0.1-0.6 s, direct-to-reverberant
ratio 0-15 dB) for 30% of the clips, additive white, pink or brown noise at 10-40 dB SNR
for 60%, a random smooth equaliser curve over the mel bands (a
microphone's colour) and SpecAugment's frequency and time masks (Park et al. 2019).

Letter model: with the acoustic model fixed, every training clip's embedding is
computed once; the letter model learns to put each word's spelling where its clips are,
by a listwise ranking loss (softmax over the cosines between a clip and every heard
word's letter point, temperature 0.05), with a fifth of each word's n-grams dropped at
random so it does not lean on any one of them (held-out words have n-grams it never saw).

A seeded 3% of the training clips (same voices) are kept aside for the live validation
curve; the held-out voices and words are only for ``engine/audio/evaluate.py``.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from engine.audio.dataset import SpokenSet
from engine.audio.models import (
    AcousticModel,
    AcousticShape,
    AudioModels,
    LetterModel,
    LetterShape,
    normalise_features,
)
from engine.audio.ngrams import NgramIndex
from engine.audio.signal import HOP, SAMPLE_RATE, WINDOW_SAMPLES, log_mel
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress


@dataclass(frozen=True)
class AudioTrainingSettings:
    epochs: int = 12
    batch: int = 128
    lr: float = 3e-3
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    letter_epochs: int = 30
    letter_lr: float = 2e-3
    seed: int = 0
    device: str = "cpu"
    threads: int = 2
    augment: bool = True
    channels: tuple[int, ...] = (128, 128, 192, 256)
    embedding: int = 256
    validation_share: float = 0.03


# ---- augmentation --------------------------------------------------------------------
def place_clips(clips: list[np.ndarray], rng: np.random.Generator | None,
                max_shift: float = 0.15) -> np.ndarray:
    """Clips (already the voiced part) in 2 s windows: centred, or with ``rng`` sped up
    or slowed down and shifted at random."""
    out = np.zeros((len(clips), WINDOW_SAMPLES), dtype=np.float32)
    for i, clip in enumerate(clips):
        if rng is not None:
            factor = rng.uniform(0.9, 1.1)
            n = max(2, int(len(clip) / factor))
            clip = np.interp(np.linspace(0, len(clip) - 1, n), np.arange(len(clip)),
                             clip).astype(np.float32)
        if len(clip) > WINDOW_SAMPLES:
            cut = (len(clip) - WINDOW_SAMPLES) // 2
            clip = clip[cut:cut + WINDOW_SAMPLES]
        offset = (WINDOW_SAMPLES - len(clip)) // 2
        if rng is not None:
            room = min(offset, int(max_shift * SAMPLE_RATE))
            offset += int(rng.integers(-room, room + 1)) if room > 0 else 0
        out[i, offset:offset + len(clip)] = clip
    return out


def _coloured_noise(shape, generator: torch.Generator, device) -> torch.Tensor:
    """White, pink or brown noise at unit RMS, one colour per row."""
    white = torch.randn(shape, generator=generator, device=device)
    spectrum = torch.fft.rfft(white)
    freqs = torch.arange(spectrum.shape[-1], device=device).clamp(min=1).float()
    colour = torch.randint(0, 3, (shape[0], 1), generator=generator, device=device).float()
    spectrum = spectrum / freqs ** (colour / 2)  # 0 white, 1/f pink, 1/f^2 brown
    noise = torch.fft.irfft(spectrum, n=shape[-1])
    return noise / noise.pow(2).mean(dim=-1, keepdim=True).sqrt().clamp(min=1e-8)


def augment_waves(waves: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Reverberation for a third of the batch, then noise for most of it."""
    b, n = waves.shape
    device = waves.device
    rir_len = int(0.5 * SAMPLE_RATE)
    reverb = torch.rand(b, generator=generator, device=device) < 0.3
    if reverb.any():
        k = int(reverb.sum())
        rt60 = 0.1 + 0.5 * torch.rand(k, 1, generator=generator, device=device)
        t = torch.arange(rir_len, device=device).float() / SAMPLE_RATE
        tail = torch.randn(k, rir_len, generator=generator, device=device) * torch.exp(
            -6.9 * t / rt60)
        tail[:, 0] = 0.0
        # The direct path against the reverberant tail: 0-15 dB, as a microphone at arm's
        # length in a furnished room.
        drr_db = 15 * torch.rand(k, 1, generator=generator, device=device)
        tail = tail * (10 ** (-drr_db / 10) / tail.pow(2).sum(-1, keepdim=True)).sqrt()
        rir = tail
        rir[:, 0] = 1.0
        size = 1 << math.ceil(math.log2(n + rir_len))
        wet = torch.fft.irfft(torch.fft.rfft(waves[reverb], size) * torch.fft.rfft(rir, size),
                              size)[:, :n]
        waves = waves.clone()
        waves[reverb] = wet
    noisy = torch.rand(b, generator=generator, device=device) < 0.6
    power = waves.pow(2).sum(-1) / (waves.abs() > 1e-4).sum(-1).clamp(min=1)
    snr_db = 10 + 30 * torch.rand(b, generator=generator, device=device)
    scale = (power / 10 ** (snr_db / 10)).sqrt() * noisy
    return waves + _coloured_noise((b, n), generator, device) * scale[:, None]


def augment_features(features: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A smooth random equaliser over the bands, then SpecAugment masks (on normalised
    log-mel, masks fill with the floor, -1)."""
    b, m, t = features.shape
    device = features.device
    bands = torch.linspace(0, math.pi, m, device=device)
    curve = torch.zeros(b, m, device=device)
    for k in (1, 2, 3):
        amp = (torch.rand(b, 1, generator=generator, device=device) - 0.5) * (1.2 / k)
        phase = torch.rand(b, 1, generator=generator, device=device) * math.pi
        curve += amp * torch.cos(k * bands[None, :] + phase)
    features = normalise_features(features + curve[:, :, None])
    for _ in range(2):
        width = torch.randint(0, 6, (b, 1), generator=generator, device=device)
        start = (torch.rand(b, 1, generator=generator, device=device) * (m - width)).long()
        idx = torch.arange(m, device=device)[None, :]
        band_mask = (idx >= start) & (idx < start + width)
        features = features.masked_fill(band_mask[:, :, None], -1.0)
        width = torch.randint(0, 13, (b, 1), generator=generator, device=device)
        start = (torch.rand(b, 1, generator=generator, device=device) * (t - width)).long()
        idx = torch.arange(t, device=device)[None, :]
        time_mask = (idx >= start) & (idx < start + width)
        features = features.masked_fill(time_mask[:, None, :], -1.0)
    return features


def features_of(waves: np.ndarray | torch.Tensor, device: str = "cpu") -> torch.Tensor:
    """Normalised log-mel of 2 s windows (no augmentation)."""
    return normalise_features(log_mel(torch.as_tensor(waves, device=device)))


# ---- training ------------------------------------------------------------------------
def _split_training(data: SpokenSet, share: float, seed: int) -> tuple[np.ndarray, ...]:
    rows = data.rows("train")
    rng = np.random.default_rng(seed)
    held = rng.random(len(rows)) < share
    return rows[~held], rows[held]


def embed_clips(model: AcousticModel, data: SpokenSet, rows: np.ndarray, device: str = "cpu",
                batch: int = 256, cancel: CancelToken = NEVER_CANCELLED,
                progress: ProgressCallback = no_progress) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings, logits) of clips ``rows`` without augmentation, computed where the
    model lives (a model just trained on CUDA is there; loaded ones are on the CPU, and
    moving a cached model would break the answers that use it)."""
    device = next(model.parameters()).device
    model.eval()
    embeddings, logits = [], []
    with torch.no_grad():
        for start in range(0, len(rows), batch):
            cancel.raise_if_cancelled()
            chunk = rows[start:start + batch]
            waves = place_clips([data.clip(int(i)) for i in chunk], None)
            e = model.embed(features_of(waves, device))
            embeddings.append(e.cpu().numpy())
            logits.append(model.classify(e).cpu().numpy())
            progress(Progress(min(1.0, (start + batch) / max(1, len(rows))),
                              "Embedding the clips"))
    dim = model.shape.embedding
    return (np.concatenate(embeddings) if embeddings else np.zeros((0, dim), np.float32),
            np.concatenate(logits) if logits else np.zeros((0, model.shape.n_words)))


def train_acoustic(data: SpokenSet, settings: AudioTrainingSettings,
                   progress: ProgressCallback = no_progress,
                   cancel: CancelToken = NEVER_CANCELLED) -> tuple[AcousticModel, dict]:
    """The whole-word CNN trained on the set's training clips of heard words."""
    torch.manual_seed(settings.seed)
    if settings.device == "cpu":
        torch.set_num_threads(settings.threads)
    device = settings.device
    model = AcousticModel(AcousticShape(data.n_heard, settings.channels,
                                        embedding=settings.embedding)).to(device)
    train_rows, val_rows = _split_training(data, settings.validation_share, settings.seed)
    rng = np.random.default_rng(settings.seed)
    generator = torch.Generator(device=device).manual_seed(settings.seed)
    steps_per_epoch = max(1, len(train_rows) // settings.batch)
    total_steps = steps_per_epoch * settings.epochs
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.lr,
                                  weight_decay=settings.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, settings.lr, total_steps=total_steps,
                                                   pct_start=0.15)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=settings.label_smoothing)
    history: list[dict] = []
    started = time.perf_counter()
    step = 0
    for epoch in range(settings.epochs):
        model.train()
        order = rng.permutation(train_rows)
        seen = correct = 0
        loss_sum = 0.0
        for b in range(steps_per_epoch):
            cancel.raise_if_cancelled()
            rows = order[b * settings.batch:(b + 1) * settings.batch]
            clips = [data.clip(int(i)) for i in rows]
            waves = torch.from_numpy(place_clips(clips, rng if settings.augment else None))
            waves = waves.to(device)
            if settings.augment:
                waves = augment_waves(waves, generator)
                features = augment_features(log_mel(waves), generator)
            else:
                features = normalise_features(log_mel(waves))
            targets = torch.as_tensor(data.clip_word[rows], dtype=torch.long, device=device)
            logits = model(features)
            loss = loss_fn(logits, targets)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
            seen += len(rows)
            correct += int((logits.argmax(1) == targets).sum())
            loss_sum += float(loss.detach()) * len(rows)
            if b % 10 == 0 or b == steps_per_epoch - 1:
                elapsed = time.perf_counter() - started
                progress(Progress(0.9 * step / total_steps,
                                  f"Acoustic model: epoch {epoch + 1}/{settings.epochs}",
                                  {"model": "acoustic", "loss": loss_sum / seen,
                                   "train_top1": correct / seen,
                                   "clips_per_second": step * settings.batch / elapsed,
                                   "epoch": epoch + (b + 1) / steps_per_epoch,
                                   "epochs": settings.epochs}))
        _, val_logits = embed_clips(model, data, val_rows, device, cancel=cancel)
        val_top1 = float((val_logits.argmax(1) == data.clip_word[val_rows]).mean()) \
            if len(val_rows) else float("nan")
        history.append({"epoch": epoch + 1, "loss": loss_sum / max(1, seen),
                        "train_top1": correct / max(1, seen), "val_top1": val_top1,
                        "seconds": round(time.perf_counter() - started, 1)})
        progress(Progress(0.9 * step / total_steps, f"Epoch {epoch + 1}: validation top-1 "
                          f"{val_top1:.3f}", {"model": "acoustic", "val_top1": val_top1,
                                              "epoch": epoch + 1,
                                              "epochs": settings.epochs}))
    model.eval()
    return model, {"history": history, "train_clips": len(train_rows),
                   "validation_clips": len(val_rows),
                   "seconds": round(time.perf_counter() - started, 1)}


def train_letters(words: tuple[str, ...], embeddings: np.ndarray, word_of_clip: np.ndarray,
                  settings: AudioTrainingSettings, progress: ProgressCallback = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED) -> tuple[LetterModel, NgramIndex,
                                                                  dict]:
    """The letter model fitted to fixed clip embeddings (one row per clip)."""
    torch.manual_seed(settings.seed)
    device = settings.device
    # n-grams of one word only would not carry over to a new word; they also triple the
    # model's size.
    index = NgramIndex.from_words(words, min_words=2)
    model = LetterModel(LetterShape(len(index), embedding=embeddings.shape[1])).to(device)
    targets = torch.as_tensor(word_of_clip, dtype=torch.long, device=device)
    points = nn.functional.normalize(torch.as_tensor(embeddings, device=device), dim=1)
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.letter_lr,
                                  weight_decay=1e-4)
    rng = np.random.default_rng(settings.seed)
    bags = [index.rows(w) for w in words]
    batch = 1024
    steps = max(1, len(points) // batch)
    history = []
    started = time.perf_counter()
    for epoch in range(settings.letter_epochs):
        model.train()
        order = torch.as_tensor(rng.permutation(len(points)), device=device)
        loss_sum = 0.0
        for s in range(steps):
            cancel.raise_if_cancelled()
            rows_, offsets, weights = [], [], []
            for r, c in bags:  # a fresh fifth of each word's n-grams dropped
                keep = rng.random(len(r)) >= 0.2
                if not keep.any():
                    keep[rng.integers(len(r))] = True
                kept_r = [x for x, k in zip(r, keep, strict=True) if k]
                kept_c = [x for x, k in zip(c, keep, strict=True) if k]
                offsets.append(len(rows_))
                rows_ += kept_r
                total = sum(kept_c)
                weights += [x / total for x in kept_c]
            letter_points = nn.functional.normalize(model(
                torch.tensor(rows_, device=device), torch.tensor(offsets, device=device),
                torch.tensor(weights, device=device)), dim=1)
            chosen = order[s * batch:(s + 1) * batch]
            scores = points[chosen] @ letter_points.T / 0.05
            loss = nn.functional.cross_entropy(scores, targets[chosen])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            loss_sum += float(loss.detach())
        history.append({"epoch": epoch + 1, "loss": loss_sum / steps})
        progress(Progress((epoch + 1) / settings.letter_epochs,
                          f"Letter model: epoch {epoch + 1}/{settings.letter_epochs}",
                          {"model": "letters", "loss": loss_sum / steps,
                           "epoch": epoch + 1, "epochs": settings.letter_epochs}))
    model.eval()
    return model, index, {"history": history,
                          "seconds": round(time.perf_counter() - started, 1)}


def train_audio_models(data: SpokenSet, settings: AudioTrainingSettings = AudioTrainingSettings(),
                       progress: ProgressCallback = no_progress,
                       cancel: CancelToken = NEVER_CANCELLED) -> AudioModels:
    """Both models, trained in turn on ``data``'s training split."""
    from engine.jobs import sub_progress

    acoustic, acoustic_report = train_acoustic(data, settings, sub_progress(progress, 0, 0.8),
                                               cancel)
    rows = data.rows("train")
    embeddings, _ = embed_clips(acoustic, data, rows, settings.device, cancel=cancel,
                                progress=sub_progress(progress, 0.8, 0.05))
    heard = data.words[:data.n_heard]
    letters, index, letter_report = train_letters(heard, embeddings, data.clip_word[rows],
                                                  settings, sub_progress(progress, 0.85, 0.15),
                                                  cancel)
    manifest = {"settings": {**asdict(settings), "channels": list(settings.channels)},
                "trained_on": {"dataset": str(data.folder),
                               "dataset_counts": data.manifest.get("counts", {})},
                # the default candidate list of queries: heard and held-out words
                "candidates": list(data.words),
                "acoustic": acoustic_report, "letters": letter_report,
                "hop_seconds": HOP / SAMPLE_RATE}
    return AudioModels(acoustic, letters, heard, index, manifest)
