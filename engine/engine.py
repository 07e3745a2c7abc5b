"""``Engine``: answers requests; ``EngineThread``: runs them off the caller's thread.

The thread has four lanes, each a worker with its own queue: training (long, one at a
time), projections (seconds to minutes), analysis (k-means and neighbourhoods of many
words: seconds) and queries (short). Submitting anything but training cancels any
queued or running request of the same type and channel, because the newer request makes
the older answer stale (the pattern napari's layer slicer uses). A channel is whatever the
caller names: the window gives each space on screen its own, so projecting the image-label
space never cancels a projection of the word space.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine import api
from engine.errors import EngineError
from engine.jobs import (
    NEVER_CANCELLED,
    Cancelled,
    CancelToken,
    ProgressCallback,
    no_progress,
    sub_progress,
)
from engine.paths import DEFAULT_WORD_SPACE
from engine.spaces import EmbeddingSpace

# A bug inside a job reaches the client as a one-line message; its traceback goes here
# (the GUI writes this logger to its error log, the CLI to stderr).
log = logging.getLogger("engine")

# Clusterings kept per space (each one int32 per key: 230 kB for 60k words).
_CLUSTERINGS_PER_SPACE = 16


class Engine:
    """Stateless apart from a cache of loaded spaces (immutable, so sharing is safe)."""

    def __init__(self) -> None:
        self._spaces: dict[str, EmbeddingSpace] = {}
        self._named: dict[str, Path] = {}  # a named space's folder, once converted
        self._image_encoder = None  # loaded on the first picture (torch, ~1 s)
        self._image_models = None  # (shipped.ImageModels, labelling.Answers)
        self._saved_image_models: dict[str, tuple] = {}  # bundles saved by the user
        # audio models by folder, and the letter points of candidate lists per models
        self._audio_models: dict[str, object] = {}
        self._candidates: dict[tuple, object] = {}
        self._lock = threading.Lock()
        # Held while something slow is loaded once and then shared (a named space being
        # converted, the image encoder, the image models): a second request waits for it.
        self._loading = threading.Lock()
        self._device: str | None = None
        # k-means answers per space snapshot, by (k, seed). Weak keys: an answer goes
        # with its snapshot, so a training run's old epochs are not kept alive by it.
        self._clusterings: weakref.WeakKeyDictionary[
            EmbeddingSpace, dict[tuple[int, int], api.Clusters]] = weakref.WeakKeyDictionary()

    @property
    def device(self) -> str:
        """CUDA when torch sees a GPU, else CPU; decided once (importing torch is slow)."""
        if self._device is None:
            from engine.device import cuda_available

            self._device = "cuda" if cuda_available() else "cpu"
        return self._device

    # ---- spaces --------------------------------------------------------------------
    def space(
        self,
        path: Path | str | None = None,
        format: str | None = None,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> EmbeddingSpace:
        """The space at ``path``: a folder, a vector file, or a name such as
        ``glove-6b-50d`` (``None``: the default space); loaded once, then cached."""
        path = self._resolve(path, progress, cancel)
        key = f"{path.resolve()}|{format}"
        with self._lock:
            cached = self._spaces.get(key)
        if cached is not None:
            return cached
        if not path.exists():
            if path == DEFAULT_WORD_SPACE:
                raise EngineError(
                    f"The default word space is missing ({path}).",
                    "Rebuild it: python -m engine words build-default-space",
                )
            raise EngineError(f"{path} does not exist.", "Check the path to the space.")
        from engine.storage import import_vectors

        space = import_vectors(path, format)
        with self._lock:
            self._spaces[key] = space
        return space

    def _resolve(self, path: Path | str | None, progress: ProgressCallback,
                 cancel: CancelToken) -> Path:
        from engine.spaces.named import is_space_name, resolve_space

        if not is_space_name(path):
            return resolve_space(path)
        with self._lock:
            known = self._named.get(str(path))
        if known is None:
            # Converting a pretrained space takes seconds, once; a second request for it
            # while that runs waits for the first instead of converting again.
            with self._loading:
                with self._lock:
                    known = self._named.get(str(path))
                if known is None:
                    known = resolve_space(path, progress, cancel)
                    with self._lock:
                        self._named[str(path)] = known
        return known

    def remember(self, path: Path, space: EmbeddingSpace) -> None:
        """Publish a freshly trained snapshot under ``path`` (replacing an older one)."""
        with self._lock:
            self._spaces[f"{Path(path).resolve()}|None"] = space

    # ---- requests ------------------------------------------------------------------
    def handle(
        self,
        request: Any,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> Any:
        handler = getattr(self, f"_handle_{type(request).__name__}", None)
        if handler is None:
            raise EngineError(f"The engine does not know the request {type(request).__name__}.")
        return handler(request, progress, cancel)

    def _handle_LoadSpace(self, r: api.LoadSpace, progress, cancel) -> api.SpaceLoaded:
        return api.SpaceLoaded(r.path, self.space(r.path, r.format, progress, cancel))

    def _handle_ListSpaces(self, r: api.ListSpaces, progress, cancel) -> tuple:
        from engine.spaces.named import named_spaces

        return tuple(named_spaces())

    def _handle_Neighbours(self, r: api.Neighbours, progress, cancel) -> api.NeighboursAnswer:
        space = self.space(r.space)
        items = space.neighbours(r.word, r.k, r.metric)  # type: ignore[arg-type]
        return api.NeighboursAnswer(r.word, tuple(items))

    def _handle_Analogy(self, r: api.Analogy, progress, cancel) -> api.AnalogyAnswer:
        space = self.space(r.space)
        items = space.analogy(r.a, r.b, r.c, r.k, r.method)  # type: ignore[arg-type]
        return api.AnalogyAnswer(r.a, r.b, r.c, r.method, tuple(items))

    def _handle_Compare(self, r: api.Compare, progress, cancel) -> api.Comparison:
        from dataclasses import replace

        if not isinstance(r.query, (api.Neighbours, api.Analogy)):
            raise EngineError(f"Only neighbours and analogies can be compared, not "
                              f"{type(r.query).__name__}.")
        answers, errors = [], []
        for query in (r.query, replace(r.query, space=r.other)):
            cancel.raise_if_cancelled()
            try:
                answers.append(self.handle(query, progress, cancel))
                errors.append("")
            except EngineError as e:  # e.g. a word only one of the spaces knows
                answers.append(None)
                errors.append(str(e))
        return api.Comparison(r.query, r.other, answers[0], answers[1], errors[0], errors[1])

    def _handle_VectorOf(self, r: api.VectorOf, progress, cancel):
        return self.space(r.space).vector(r.word)

    def _handle_Evaluate(self, r: api.Evaluate, progress, cancel):
        from engine.words.evaluate import evaluate_space

        return evaluate_space(self.space(r.space, progress=progress, cancel=cancel),
                              r.vocab_limit, cancel)

    def _handle_Project(self, r: api.Project, progress, cancel):
        from engine.projection import ProjectionParams, project

        params = ProjectionParams(method=r.method, dims=r.dims, seed=r.seed, limit=r.limit,
                                  **r.params)
        return project(self.space(r.space), params, progress, cancel,
                       cached_only=r.cached_only)

    def _handle_Cluster(self, r: api.Cluster, progress, cancel) -> api.Clusters:
        from dataclasses import replace

        from engine.clustering import spherical_kmeans, typical_words

        space = self.space(r.space)
        with self._lock:
            cached = self._clusterings.get(space, {}).get((r.k, r.seed))
        if cached is not None:
            return replace(cached, elapsed=0.0)
        result = spherical_kmeans(space.unit_vectors, r.k, r.seed, progress=progress,
                                  cancel=cancel)
        sizes = np.bincount(result.labels, minlength=r.k)
        answer = api.Clusters(result.labels, r.k, r.seed, result.inertia, result.iterations,
                              tuple(int(s) for s in sizes),
                              typical_words(space.keys, space.unit_vectors, result.labels,
                                            r.k), result.elapsed)
        with self._lock:
            answers = self._clusterings.setdefault(space, {})
            if len(answers) >= _CLUSTERINGS_PER_SPACE:
                answers.pop(next(iter(answers)))
            answers[(r.k, r.seed)] = answer
        return answer

    def _handle_NeighbourhoodOf(self, r: api.NeighbourhoodOf, progress,
                                cancel) -> api.Neighbourhood:
        from engine.clustering import neighbourhood

        members = neighbourhood(self.space(r.space), tuple(r.words), r.k, cancel)
        return api.Neighbourhood(tuple(r.words), r.k, members)

    def _handle_Place(self, r: api.Place, progress, cancel) -> api.Placement:
        from engine.placement import place

        return place(self.space(r.space), tuple(r.keys), r.coords, r.vectors, r.k, cancel)

    def _handle_BuildCorpus(self, r: api.BuildCorpus, progress, cancel):
        from engine.words.corpus import build_default_corpus, default_corpus_path

        return build_default_corpus(r.out or default_corpus_path(), progress, cancel)

    def _handle_PrepareTraining(self, r: api.PrepareTraining, progress, cancel) -> float:
        from engine.words.runtime import prepare_training_runtime

        return prepare_training_runtime()

    def _handle_TrainWords(self, r: api.TrainWords, progress, cancel) -> EmbeddingSpace:
        from engine.words.corpus import default_corpus_path
        from engine.words.runtime import prepare_training_runtime
        from engine.words.trainer import train_words

        prepare_training_runtime()
        corpus = r.corpus
        if corpus is None:
            corpus = default_corpus_path()
            if not corpus.exists():
                self._handle_BuildCorpus(api.BuildCorpus(corpus), progress, cancel)

        def publish(report) -> None:
            self.remember(r.out, report.space)

        return train_words(Path(corpus), Path(r.out), r.settings, progress, cancel, publish,
                           r.resume)

    def _handle_ImportVectors(self, r: api.ImportVectors, progress, cancel) -> EmbeddingSpace:
        if r.metadata is None and r.limit is None and r.save_to is None:
            return self.space(r.path, r.format)
        from engine.storage import import_tf_projector, import_vectors, save_space

        if r.metadata is not None:
            if r.format not in (None, "tf-projector"):
                raise EngineError(f"A metadata file goes with the TF-projector format, not "
                                  f"{r.format!r}.", "Leave the metadata file empty.")
            space = import_tf_projector(r.path, metadata=r.metadata, limit=r.limit,
                                        progress=progress, cancel=cancel)
        else:
            space = import_vectors(r.path, r.format, limit=r.limit, progress=progress,
                                   cancel=cancel)
        if r.save_to is not None:
            cancel.raise_if_cancelled()
            progress(api.Progress(1.0, f"Saving {len(space):,} vectors to {r.save_to}"))
            save_space(space, r.save_to)
            self.remember(r.save_to, space)
        return space

    def _handle_Align(self, r: api.Align, progress, cancel):
        from engine.words.align import align

        source = self.space(r.space, progress=progress, cancel=cancel)
        target = self.space(r.to, progress=progress, cancel=cancel)
        result = align(source, target, vocab_limit=r.vocab_limit, test_words=r.test_words,
                       seed=r.seed, method=r.method, progress=progress, cancel=cancel)
        if r.out is not None:
            from engine.storage import save_space

            cancel.raise_if_cancelled()
            progress(api.Progress(1.0, f"Saving the aligned space to {r.out}"))
            save_space(result.space, r.out)
            self.remember(r.out, result.space)
        return result

    def _handle_AlignedLayout(self, r: api.AlignedLayout, progress, cancel):
        from engine.words.align import shared_layout

        source = self.space(r.space, progress=progress, cancel=cancel)
        target = self.space(r.other, progress=progress, cancel=cancel)
        return shared_layout(source, target, r.dims, vocab_limit=r.vocab_limit, seed=r.seed,
                             progress=progress, cancel=cancel)

    def image_encoder(self):
        """The pretrained image encoder, loaded once (on CUDA when present)."""
        with self._loading:
            if self._image_encoder is None:
                from engine.images.encoder import ImageEncoder

                self._image_encoder = ImageEncoder(self.device)
            return self._image_encoder

    def _handle_BuildImageDataset(self, r: api.BuildImageDataset, progress, cancel) -> dict:
        if r.source is not None:
            from engine.images.user_sets import build_user_dataset

            return build_user_dataset(r.source, r.out, r.seed, r.zero_shot_share,
                                      r.test_share, progress, cancel)
        from engine.images.dataset import build_dataset

        return build_dataset(r.out, progress=progress, cancel=cancel)

    def _handle_BuildAudioDataset(self, r: api.BuildAudioDataset, progress, cancel) -> dict:
        from engine.audio.dataset import build_dataset

        if r.source is not None:
            from engine.audio.clip_sets import build_clip_dataset, clip_dataset_folder

            return build_clip_dataset(r.source, r.out or clip_dataset_folder(r.source),
                                      r.seed, progress, cancel)
        return build_dataset(r.out, r.n_heard, r.n_held_out, r.seed, r.espeak_per_word,
                             progress=progress, cancel=cancel)

    def audio_models(self, folder: Path | None = None):
        """Audio models loaded once (default: the shipped ones)."""
        from engine.audio.models import load_models
        from engine.paths import DEFAULT_AUDIO_MODELS

        folder = Path(folder) if folder is not None else DEFAULT_AUDIO_MODELS
        key = str(folder.resolve())
        with self._lock:
            cached = self._audio_models.get(key)
        if cached is None:
            if not (folder / "models.npz").is_file() and folder == DEFAULT_AUDIO_MODELS:
                from engine.errors import EngineError

                raise EngineError(f"The shipped audio models are missing ({folder}).",
                                  "Rebuild them: python -m engine audio train")
            cached = load_models(folder)
            with self._lock:
                self._audio_models[key] = cached
        return cached

    def audio_candidates(self, models_folder: Path | None, words: tuple[str, ...] | None):
        """Letter points of ``words`` (None: the models' own candidate list), cached."""
        from engine.audio.ranking import CandidatePoints

        models = self.audio_models(models_folder)
        if words is None:
            words = tuple(models.manifest.get("candidates") or models.words)
        key = (id(models), words)
        with self._lock:
            cached = self._candidates.get(key)
        if cached is None:
            cached = CandidatePoints(models, words)
            with self._lock:
                if len(self._candidates) > 8:
                    self._candidates.clear()
                self._candidates[key] = cached
        return models, cached

    def _handle_TrainAudioModels(self, r: api.TrainAudioModels, progress, cancel) -> dict:
        from engine.audio.clip_sets import (
            build_clip_dataset,
            clip_dataset_folder,
            is_spoken_word_set,
        )
        from engine.audio.dataset import build_dataset, default_dataset_folder, load_dataset
        from engine.audio.evaluate import evaluate_audio_models
        from engine.audio.models import save_models
        from engine.audio.training import AudioTrainingSettings, train_audio_models
        from engine.paths import DEFAULT_AUDIO_MODELS

        if r.out is None and r.dataset is not None:
            from engine.errors import EngineError

            raise EngineError("Models trained on another set need a folder of their own.",
                              "Give one (--out FOLDER); the shipped models are trained on "
                              "the default set.")
        if r.dataset is None and not (default_dataset_folder() / "dataset.json").is_file():
            # The default set is made on this machine (minutes): a first Train makes it.
            build_dataset(progress=sub_progress(progress, 0.0, 0.1), cancel=cancel)
            progress = sub_progress(progress, 0.1, 0.9)
        dataset = r.dataset
        if dataset is not None and not is_spoken_word_set(dataset) and (
                Path(dataset).suffix.lower() == ".csv" or Path(dataset).is_dir()):
            # A user's own clips: made into a spoken-word set in the cache (seconds).
            dataset = build_clip_dataset(dataset, clip_dataset_folder(dataset), r.seed,
                                         sub_progress(progress, 0.0, 0.05), cancel)["path"]
            progress = sub_progress(progress, 0.05, 0.95)
        data = load_dataset(dataset)
        settings = AudioTrainingSettings(epochs=r.epochs, letter_epochs=r.letter_epochs,
                                         seed=r.seed, device=self.device)
        models = train_audio_models(data, settings,
                                    sub_progress(progress, 0.0, 0.95 if r.evaluate else 1.0),
                                    cancel)
        report = {"acoustic": models.manifest["acoustic"], "letters": models.manifest["letters"]}
        if r.evaluate:
            report["evaluation"] = evaluate_audio_models(
                models, data, self.device, sub_progress(progress, 0.95, 0.05), cancel)
            models.manifest["evaluation"] = report["evaluation"]
        out = Path(r.out) if r.out is not None else DEFAULT_AUDIO_MODELS
        save_models(models, out)
        if r.out is None:
            from engine.resources import register_folder

            register_folder(
                out, "trained here (python -m engine audio train) on the default spoken-word "
                "set: the default word space's most frequent CMUdict words said by Debian's "
                "espeak-ng, flite and festival voices (python -m engine audio build-dataset)",
                "MIT (the project's); the speech it learnt from came from espeak-ng "
                "(GPL-3+), flite and festival with the festvox voices (free licences)",
                "python -m engine audio build-dataset && python -m engine audio train")
        with self._lock:
            self._audio_models.pop(str(out.resolve()), None)
            self._candidates.clear()
        report["out"] = str(out)
        return report

    def _handle_EvaluateAudioModels(self, r: api.EvaluateAudioModels, progress, cancel):
        from engine.audio.dataset import load_dataset
        from engine.audio.evaluate import evaluate_audio_models

        if r.clips is not None:
            from engine.audio.clip_sets import read_clip_set, score_clip_set

            return score_clip_set(self.audio_models(r.models), read_clip_set(r.clips),
                                  r.candidates, progress, cancel)
        return evaluate_audio_models(self.audio_models(r.models), load_dataset(r.dataset),
                                     self.device, progress, cancel)

    def _handle_RankAudio(self, r: api.RankAudio, progress, cancel):
        from engine.audio.ranking import rank_files

        models, candidates = self.audio_candidates(r.models, r.candidates)
        return rank_files(models, r.paths, candidates, r.k, cancel)

    def _handle_RankTake(self, r: api.RankTake, progress, cancel):
        from engine.audio.ranking import rank_take
        from engine.audio.signal import prepare_take

        models, candidates = self.audio_candidates(r.models, r.candidates)
        take = prepare_take(r.samples, r.rate)
        return rank_take(models, take, candidates, r.k)

    def _handle_SoundsLike(self, r: api.SoundsLike, progress, cancel):
        from engine.audio.ranking import sounds_like

        models, candidates = self.audio_candidates(r.models, r.candidates)
        return sounds_like(models, r.word, candidates, r.k)

    def _handle_EvaluateImageModels(self, r: api.EvaluateImageModels, progress, cancel):
        from engine.images.evaluate import evaluate_image_models, restyled_training
        from engine.images.features import encode_pictures
        from engine.images.user_sets import load_picture_set

        pictures, _ = load_picture_set(r.dataset, progress, cancel)
        space = self.space(r.space, progress=progress, cancel=cancel)

        features = encode_pictures(self.image_encoder(), [p.path for p in pictures],
                                   progress=sub_progress(progress, 0.0, 0.3), cancel=cancel)
        restyled = restyled_training(self.image_encoder(), pictures, space,
                                     sub_progress(progress, 0.3, 0.3), cancel)
        return evaluate_image_models(pictures, features, space, r.seed,
                                     sub_progress(progress, 0.6, 0.4), cancel, restyled)

    def _handle_PrepareImageEncoder(self, r: api.PrepareImageEncoder, progress,
                                    cancel) -> float:
        import time

        start = time.perf_counter()
        self.image_encoder()
        self.image_models()
        return time.perf_counter() - start

    def image_models(self, folder: Path | None = None):
        """The shipped image-label models (or a bundle saved in ``folder``) and the nouns
        they answer with, loaded once; ``(None, None)`` when the shipped bundle is
        missing (only ImageNet's classes then)."""
        if folder is not None:
            key = str(Path(folder).resolve())
            with self._lock:
                cached = self._saved_image_models.get(key)
            if cached is None:
                # Not under _loading: its word space may be a named one, converted (once)
                # under that lock.
                cached = self._load_image_models(Path(folder))
                with self._lock:
                    self._saved_image_models[key] = cached
            return cached
        with self._loading:
            if self._image_models is None:
                from engine.images.shipped import DEFAULT_MODELS

                if not (DEFAULT_MODELS / "models.npz").is_file():
                    return None, None
                self._image_models = self._load_image_models(DEFAULT_MODELS)
            return self._image_models

    def _load_image_models(self, folder: Path):
        """A bundle and its answers over the word space it was trained over (the
        default, or the one its manifest names)."""
        from engine.images.labelling import answer_words
        from engine.images.shipped import (
            ANSWER_VOCABULARY,
            DEFAULT_MODELS,
            load_models,
            wordnet_nouns,
        )

        trained = load_models(folder)
        named = (trained.manifest.get("trained_on") or {}).get("word_space_path")
        space = self.space(named or None)
        missing = [w for w in trained.labels if w not in space]
        if missing:
            rebuild = ("python -m engine images build-default-models"
                       if folder.resolve() == DEFAULT_MODELS.resolve()
                       else "train them again (python -m engine images train --out ...)")
            raise EngineError(f"The image models in {folder} name labels their word space "
                              f"lacks ({missing[0]!r}).", f"Rebuild them: {rebuild}")
        answers = answer_words(space, trained.labels, ANSWER_VOCABULARY, wordnet_nouns())
        return trained, answers

    def _handle_LabelImages(self, r: api.LabelImages, progress, cancel):
        from engine.images.labelling import MODELS, label_pictures

        progress(api.Progress(0.0, "Loading the image models"))
        trained, answers = self.image_models(r.models_folder)
        models = tuple(r.models)
        if "all" in models:
            models = MODELS if trained is not None else ("imagenet",)
        return label_pictures(self.image_encoder(), [Path(p) for p in r.paths], models,
                              r.k, progress, cancel, trained, answers)

    def _handle_BuildImageModels(self, r: api.BuildImageModels, progress, cancel) -> dict:
        from engine.images.shipped import DEFAULT_MODELS, build_default_models

        report = build_default_models(r.out or DEFAULT_MODELS, progress, cancel,
                                      register=r.out is None)
        with self._loading:
            self._image_models = None
        if r.out is None:  # the shipped atlas's vectors are in the old bundle's space
            from engine.images.atlas import build_atlas

            report["atlas"] = build_atlas(progress=progress, cancel=cancel)
        return report

    def _handle_TrainImageModels(self, r: api.TrainImageModels, progress, cancel) -> dict:
        from engine.images.shipped import DEFAULT_MODELS
        from engine.images.training import (
            check_training_choice,
            train_image_models,
            training_inputs,
        )

        check_training_choice(r.models, r.epochs, r.out)  # before minutes of encoding
        if r.out is not None and Path(r.out).resolve() == DEFAULT_MODELS.resolve():
            raise EngineError(f"{r.out} holds the shipped image models, recorded in "
                              "resources/MANIFEST.json.", "Choose another folder, or rebuild "
                              "them: python -m engine images build-default-models")
        progress(api.Progress(0.0, "Loading the word space"))
        space = self.space(r.space, progress=progress, cancel=cancel)
        progress(api.Progress(0.0, "Loading the picture set and the image encoder"))
        pictures, dataset, features, restyled = training_inputs(
            self.image_encoder(), space, r.restyled, sub_progress(progress, 0.0, 0.4), cancel,
            r.dataset)
        report = train_image_models(pictures, features, space, r.models, r.epochs, restyled,
                                    r.seed, sub_progress(progress, 0.4, 0.6), cancel, r.out,
                                    dataset.get("sources"), r.space)
        if r.out is not None:
            with self._lock:  # a bundle labelled with before is stale now
                self._saved_image_models.pop(str(Path(r.out).resolve()), None)
        return report

    def _handle_BuildAtlas(self, r: api.BuildAtlas, progress, cancel) -> dict:
        from engine.images.atlas import THUMBNAILS, build_atlas

        return build_atlas(out=r.out or THUMBNAILS, progress=progress, cancel=cancel,
                           register=r.out is None)

    def _handle_LoadAtlas(self, r: api.LoadAtlas, progress, cancel):
        from engine.images.atlas import load_atlas

        return load_atlas(models_folder=r.models)

    def _handle_ExportVectors(self, r: api.ExportVectors, progress, cancel) -> Path:
        from engine.storage import export_vectors

        export_vectors(self.space(r.space), r.path, r.format)
        return r.path


# ---- the background thread ------------------------------------------------------------
# The trainer's warm-up shares the training lane, so a Train pressed during it waits for it
# instead of importing the same modules alongside.
TRAINING_REQUESTS = (api.TrainWords, api.BuildCorpus, api.PrepareTraining,
                     api.BuildImageDataset, api.EvaluateImageModels, api.BuildImageModels,
                     api.TrainImageModels, api.BuildAtlas)
# UMAP or t-SNE on a full vocabulary takes minutes: on a lane of their own they never hold
# up a neighbours or analogy query.
PROJECTION_REQUESTS = (api.Project,)
# k-means of a whole vocabulary, the neighbourhood of a lasso's thousand words, an
# evaluation (2-3 s) or reading/writing a large vector file takes seconds: too long to
# hold up a neighbours query, and none of them must wait minutes behind a UMAP. Placing
# thousands of pictures among a whole vocabulary is a matrix product of the same size.
ANALYSIS_REQUESTS = (api.Cluster, api.NeighbourhoodOf, api.Evaluate, api.ImportVectors,
                     api.ExportVectors, api.Align, api.AlignedLayout, api.LabelImages,
                     api.PrepareImageEncoder, api.Place)


def lane_of(request: Any) -> str:
    if isinstance(request, TRAINING_REQUESTS):
        return "training"
    if isinstance(request, PROJECTION_REQUESTS):
        return "projections"
    if isinstance(request, ANALYSIS_REQUESTS):
        return "analysis"
    return "queries"


@dataclass
class Job:
    id: int
    request: Any
    cancel_token: CancelToken
    channel: str = ""

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def supersedes_for(self, newer: Job) -> bool:
        """Whether ``newer`` makes this job's answer stale: same request type, same
        channel."""
        return type(self.request) is type(newer.request) and self.channel == newer.channel


@dataclass(frozen=True)
class JobCallbacks:
    """Called on the engine's lane thread; a GUI client re-emits them as Qt signals."""

    progress: Callable[[Job, Any], None] = lambda job, p: None
    finished: Callable[[Job, Any], None] = lambda job, result: None
    failed: Callable[[Job, str], None] = lambda job, message: None
    cancelled: Callable[[Job], None] = lambda job: None


class EngineThread:
    """Four worker lanes over one ``Engine``: training, projections, analysis, queries."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine or Engine()
        self._ids = itertools.count(1)
        self._lanes = {name: queue.Queue()
                       for name in ("training", "projections", "analysis", "queries")}
        self._running: dict[str, Job | None] = {name: None for name in self._lanes}
        self._pending: list[Job] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run_lane, args=(name,), name=f"engine-{name}",
                             daemon=True)
            for name in self._lanes
        ]
        for t in self._threads:
            t.start()

    def submit(self, request: Any, callbacks: JobCallbacks | None = None,
               channel: str = "") -> Job:
        job = Job(next(self._ids), request, CancelToken(), channel)
        lane = lane_of(request)
        if lane != "training":
            with self._lock:
                stale = [j for j in self._pending if j.supersedes_for(job)]
                running = self._running[lane]
                if running is not None and running.supersedes_for(job):
                    stale.append(running)
            for j in stale:
                j.cancel()
        with self._lock:
            self._pending.append(job)
        self._lanes[lane].put((job, callbacks or JobCallbacks()))
        return job

    @property
    def is_running(self) -> bool:
        """Whether any lane thread is still alive (false after ``shutdown``)."""
        return any(t.is_alive() for t in self._threads)

    def cancel_all(self) -> None:
        with self._lock:
            jobs = [*self._pending, *(j for j in self._running.values() if j is not None)]
        for j in jobs:
            j.cancel()

    def shutdown(self, timeout: float = 5.0) -> None:
        self.cancel_all()
        for lane in self._lanes.values():
            lane.put(None)
        for t in self._threads:
            t.join(timeout)

    def _run_lane(self, name: str) -> None:
        lane = self._lanes[name]
        while True:
            item = lane.get()
            if item is None:
                return
            job, callbacks = item
            with self._lock:
                if job in self._pending:
                    self._pending.remove(job)
                self._running[name] = job
            try:
                if job.cancel_token.cancelled:
                    raise Cancelled()
                def report(p, job=job, cb=callbacks) -> None:
                    cb.progress(job, p)

                result = self.engine.handle(job.request, report, job.cancel_token)
            except Cancelled:
                callbacks.cancelled(job)
            except EngineError as e:
                callbacks.failed(job, str(e))
            except Exception as e:  # noqa: BLE001 - a bug must not kill the lane
                log.exception("Job %d (%s) failed", job.id, type(job.request).__name__)
                callbacks.failed(job, f"Internal error ({type(e).__name__}): {e}")
            else:
                callbacks.finished(job, result)
            finally:
                with self._lock:
                    self._running[name] = None
