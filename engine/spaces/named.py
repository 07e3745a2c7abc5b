"""Named spaces: ``--space glove-6b-50d`` instead of a path.

A request names a space by path; a path that does not exist but is one of these names
stands for that space. ``default`` is the shipped default word space; the pretrained
ones are converted once into the native format under ``<cache>/spaces/NAME`` and then
open like any saved space.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.jobs import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress
from engine.paths import DEFAULT_WORD_SPACE, cache_dir

DEFAULT_NAME = "default"
IMAGE_LABELS = "image-labels"  # engine/images/label_space.py (WSABIE's label vectors)
AUDIO_WORDS = "audio-words"  # engine/audio/space.py (the letter model's word points)


@dataclass(frozen=True)
class NamedSpace:
    """One entry of ``python -m engine words spaces``."""

    name: str
    title: str
    description: str
    available: bool
    install_hint: str  # empty when available
    kind: str = "words"  # "words", or "image-labels" for the image-label space


def _pretrained():
    from engine.words.pretrained import GLOVE_6B_50D

    return {GLOVE_6B_50D.name: GLOVE_6B_50D}


def named_spaces() -> list[NamedSpace]:
    """The default space first, then the pretrained ones (installed or not)."""
    out = [NamedSpace(DEFAULT_NAME, "Default space (our skip-gram, dictionary corpus)",
                      "Trained by Embedding Explorer on WordNet, GCIDE, the KJV and fortunes "
                      "(shipped in resources/).", DEFAULT_WORD_SPACE.is_dir(),
                      "" if DEFAULT_WORD_SPACE.is_dir()
                      else "Rebuild it: python -m engine words build-default-space")]
    for source in _pretrained().values():
        installed = source.installed()
        out.append(NamedSpace(source.name, source.title, source.source, installed,
                              "" if installed else source.install_hint))
    from engine.images import label_space
    from engine.images.shipped import DEFAULT_MODELS

    shipped = (DEFAULT_MODELS / "models.npz").is_file()
    out.append(NamedSpace(label_space.NAME, label_space.TITLE, label_space.DESCRIPTION,
                          shipped, "" if shipped else
                          "Rebuild it: python -m engine images build-default-models",
                          kind="image-labels"))
    from engine.audio import space as audio_space
    from engine.paths import DEFAULT_AUDIO_MODELS

    shipped = (DEFAULT_AUDIO_MODELS / "models.npz").is_file()
    out.append(NamedSpace(audio_space.NAME, audio_space.TITLE, audio_space.DESCRIPTION,
                          shipped, "" if shipped else
                          "Rebuild them: python -m engine audio train", kind="audio-words"))
    return out


def is_space_name(path: Path | str | None) -> bool:
    """Whether ``path`` is a space's name rather than a file or folder (an existing path
    of that name wins, so a folder called ``default`` still opens as a folder)."""
    if path is None:
        return False
    text = str(path)
    if text not in (DEFAULT_NAME, IMAGE_LABELS, AUDIO_WORDS) and text not in _pretrained():
        return False
    return not Path(text).exists()  # as engine.paths.names_a_space, for app/


def resolve_space(
    path: Path | str | None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Path:
    """The folder or file a request's ``space`` stands for; a pretrained space is
    converted first if its cached copy is missing or older than the installed package."""
    if path is None:
        return DEFAULT_WORD_SPACE
    if not is_space_name(path):
        return Path(path)
    name = str(path)
    if name == DEFAULT_NAME:
        return DEFAULT_WORD_SPACE
    if name == IMAGE_LABELS:
        from engine.images.label_space import converted_label_space

        return converted_label_space(cache_dir("spaces") / name, progress, cancel)
    if name == AUDIO_WORDS:
        from engine.audio.space import converted_audio_space

        return converted_audio_space(cache_dir("spaces") / name, progress, cancel)
    from engine.words.pretrained import converted_space

    source = _pretrained()[name]
    return converted_space(source, cache_dir("spaces") / name, progress, cancel)
