"""Rebuild the default word space shipped in ``resources/words/default-space``.

One command does it all: ``python -m engine words build-default-space``. It builds the
default corpus from Debian packages (if not cached), trains with ``DEFAULT_SETTINGS``,
evaluates, writes the space (float16 vectors, to halve the shipped size) and its
manifest with the corpus hash, settings, seed, metrics and this command.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.paths import DEFAULT_WORD_SPACE, cache_dir
from engine.spaces.embedding_space import EmbeddingSpace
from engine.words.trainer import SkipGramSettings

REBUILD_COMMAND = "python -m engine words build-default-space"

# Chosen by the trials listed in the README (CPU) and bench/results/words-sweep-*.json
# (CUDA): window 8 beat 5 and 15 on analogies; 120 dimensions and 35 epochs; publishing
# input + 0.5 x output vectors lifted SimLex by about 0.02 at no cost in analogies.
DEFAULT_SETTINGS = SkipGramSettings(
    dim=120, window=8, negative=5, epochs=35, min_count=5, sample=1e-3, seed=1, threads=2,
    output_weight=0.5,
)

# The talk's demos, recorded in the manifest at every rebuild (not asserted: see README).
DEMO_ANALOGIES = (("rome", "italy", "germany", "berlin"), ("paris", "france", "germany", "berlin"),
                  ("king", "man", "woman", "queen"))
DEMO_NEIGHBOURS = ("apple",)


SOURCE = ("skip-gram vectors trained by Embedding Explorer on the default English corpus "
          "(WordNet 3.0 glosses, GCIDE 0.48, King James Bible, fortunes; Debian packages "
          "wordnet-base, dict-gcide, bible-kjv-text, fortunes)")
LICENCE = ("GPL-2+ (derived from GCIDE, GPL-2+; also WordNet 3.0 licence, public-domain KJV, "
           "BSD-style fortunes)")


# Layouts shipped with the default space, so the first plot needs no UMAP run. Their
# parameters are ProjectionParams' defaults (seed 0), which the projection panel starts on.
DEFAULT_PROJECTIONS = (("pca", 2), ("pca", 3), ("umap", 2), ("umap", 3))
PROJECTIONS_COMMAND = "python -m engine words build-default-projections"
PROJECTIONS_SOURCE = "2D/3D layouts (PCA, UMAP) of resources/words/default-space, computed " \
    "by Embedding Explorer (engine/projection.py)"


def build_default_projections(
    space_dir: Path = DEFAULT_WORD_SPACE,
    out_dir: Path | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> list[str]:
    """Write ``DEFAULT_PROJECTIONS`` of the space in ``space_dir`` to ``out_dir`` (default:
    the shipped folder, registered in MANIFEST.json); returns the file names."""
    from engine.projection import ProjectionParams, shipped_dirs, store_shipped
    from engine.resources import register_folder
    from engine.storage import load_space

    shipped_folder = shipped_dirs()[0]
    folder = Path(out_dir) if out_dir is not None else shipped_folder
    space = load_space(space_dir)
    old = set(folder.glob("*.npz")) if folder.is_dir() else set()
    written = []
    for i, (method, dims) in enumerate(DEFAULT_PROJECTIONS):
        label = f"{method} {dims}D"

        def part(p: Progress, i: int = i, label: str = label) -> None:
            progress(Progress((i + p.fraction) / len(DEFAULT_PROJECTIONS),
                              f"{label}: {p.message}", p.stats))

        written.append(store_shipped(space, ProjectionParams(method=method, dims=dims), folder,
                                     part, cancel))
    for stale in old - set(written):  # layouts of an older space
        stale.unlink()
    if folder == shipped_folder:
        register_folder(folder, PROJECTIONS_SOURCE, LICENCE, PROJECTIONS_COMMAND)
    return [p.name for p in written]


def register_default_space() -> None:
    from engine.resources import register_folder

    register_folder(DEFAULT_WORD_SPACE, SOURCE, LICENCE, REBUILD_COMMAND)


def demo_results(space: EmbeddingSpace) -> dict[str, Any]:
    """Top 5 of each demo analogy (with the expected word's rank) and demo neighbours."""
    out: dict[str, Any] = {}
    unit, index = space.unit_vectors, space.key_to_index
    for a, b, c, want in DEMO_ANALOGIES:
        if any(w not in index for w in (a, b, c, want)):
            continue
        # 3CosAdd, as space.analogy scores it; one scoring gives both the top 5 and the
        # expected word's rank.
        target = unit[index[a]] - unit[index[b]] + unit[index[c]]
        scores = unit @ (target / np.linalg.norm(target))
        scores[[index[a], index[b], index[c]]] = -np.inf
        top = [space.keys[i] for i in np.argsort(-scores, kind="stable")[:5]]
        rank = int((scores > scores[index[want]]).sum()) + 1
        out[f"{a} - {b} + {c}"] = {"top5": top, f"rank_of_{want}": rank}
    for word in DEMO_NEIGHBOURS:
        if word in index:
            out[f"neighbours of {word}"] = [s.word for s in space.neighbours(word, k=10)]
    return out


def build_default_space(
    out_dir: Path = DEFAULT_WORD_SPACE,
    settings: SkipGramSettings = DEFAULT_SETTINGS,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    epochs: int | None = None,
) -> dict[str, Any]:
    from engine.storage import file_sha256, save_space
    from engine.words.corpus import build_default_corpus, default_corpus_path
    from engine.words.evaluate import evaluate_space
    from engine.words.trainer import train_words

    if epochs is not None:
        settings = dataclasses.replace(settings, epochs=epochs)
    corpus = default_corpus_path()
    if not corpus.exists():
        build_default_corpus(corpus, lambda p: progress(Progress(p.fraction * 0.1, p.message)),
                             cancel)
    work = cache_dir("default-space-training")
    t0 = time.perf_counter()
    space = train_words(
        corpus, work, settings,
        lambda p: progress(Progress(0.1 + 0.85 * p.fraction, p.message, p.stats)),
        cancel, resume=True,
    )
    seconds = time.perf_counter() - t0
    progress(Progress(0.95, "evaluating"))
    # Evaluate what ships: the float16 vectors, read back as float32 like load_space does.
    space = EmbeddingSpace(space.keys, space.vectors.astype(np.float16).astype(np.float32),
                           space.metadata, space.kind, space.info)
    evaluation = evaluate_space(space, cancel=cancel)
    corpus_manifest_path = corpus.with_suffix(".manifest.json")
    corpus_manifest = (json.loads(corpus_manifest_path.read_text())
                       if corpus_manifest_path.exists() else {})
    info = {
        "name": "default English word space",
        "rebuild_command": REBUILD_COMMAND,
        "settings": settings.to_json(),
        "seed": settings.seed,
        "corpus": {
            "name": corpus.name,
            "sha256": file_sha256(corpus),
            "tokens": space.info.get("corpus_tokens"),
            "sources": corpus_manifest.get("sources"),
        },
        "training": {
            "seconds": round(seconds, 1),
            "device": space.info.get("device"),
            "backend": space.info.get("backend"),
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        },
        "metrics": evaluation.to_json(),
        "demos": demo_results(space),
    }
    save_space(space.with_info(**info), out_dir, dtype="float16")
    if out_dir == DEFAULT_WORD_SPACE:
        register_default_space()
        progress(Progress(0.97, "projecting the new space (PCA, UMAP; 2D and 3D)"))
        info["projections"] = build_default_projections(cancel=cancel)
    progress(Progress(1.0, "done"))
    return info
