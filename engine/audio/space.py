"""The audio-word space: every candidate word's letter point, as a space like any other.

The letter model puts a spelling where clips of that word lie in the acoustic space, so
this space is laid out by sound: "night" lies by "knight" and "light", whatever the
words mean. Saved as a native space, ``--space audio-words`` answers neighbours ("which
words sound like weather?") and projections; a microphone take is placed among the words
by its acoustic embedding. Keys are the shipped models' candidates (heard words first,
then held-out ones); the ``heard`` column says which the acoustic model heard in training.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress

NAME = "audio-words"
TITLE = "Audio-word space (letter model, default audio models)"
DESCRIPTION = ("Every candidate word placed by how it sounds: the letter model's points, "
               "trained to lie where clips of each word lie (resources/audio/default-models).")


def audio_word_space(models):
    """An ``EmbeddingSpace`` of the candidates' letter points (``models``: AudioModels)."""
    from engine.spaces import EmbeddingSpace

    words = tuple(models.manifest.get("candidates") or models.words)
    heard = set(models.words)
    vectors = models.embed_words(words)
    return EmbeddingSpace(
        words, vectors, metadata={"heard": [int(w in heard) for w in words]},
        kind="audio-words",
        info={"name": NAME, "title": TITLE, "description": DESCRIPTION,
              "made_by": "letter n-grams (1-5, with # markers) through the letter model"})


def converted_audio_space(folder: Path, progress: ProgressCallback = no_progress,
                          cancel: CancelToken = NEVER_CANCELLED,
                          models_folder: Path | None = None) -> Path:
    """``folder`` holding the shipped models' audio-word space, saved now unless a copy
    made from the same models is already there."""
    from engine.audio.models import load_models
    from engine.paths import DEFAULT_AUDIO_MODELS
    from engine.storage import atomic_write_text, save_space

    models_folder = models_folder or DEFAULT_AUDIO_MODELS
    stamp = folder / "source.json"
    try:
        stat = (models_folder / "models.npz").stat()
        fingerprint = {"models": str(models_folder), "bytes": stat.st_size,
                       "mtime_ns": stat.st_mtime_ns}
    except OSError:
        fingerprint = None
    try:
        current = json.loads(stamp.read_text(encoding="utf-8")) == fingerprint
    except (OSError, ValueError):
        current = False
    if current and (folder / "manifest.json").is_file():
        return folder
    progress(Progress(0.1, "Reading the audio models"))
    models = load_models(models_folder)
    cancel.raise_if_cancelled()
    save_space(audio_word_space(models), folder)
    atomic_write_text(stamp, json.dumps(fingerprint, indent=1) + "\n")
    progress(Progress(1.0, "Saved the audio-word space"))
    return folder
