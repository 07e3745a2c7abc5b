"""2D/3D projections of a space (PCA, UMAP, t-SNE), cached on disk and cancellable.

``project(space, ProjectionParams(method="umap", dims=2))`` returns a ``Projection``:
one row of coordinates per key, in the space's order.

PCA runs in the calling thread (an eigendecomposition of the D x D scatter matrix: 0.1 s
for 60k x 100). UMAP and t-SNE run in a worker process, because the slow part of both
is a nearest-neighbour search inside compiled code (pynndescent's numba kernels, Annoy's
C++) that never returns to Python, so a flag cannot stop it; terminating the process
does, within the 0.1 s polling interval, and gives back its memory and threads at once.
The worker is started with ``spawn`` (never ``fork``: the caller runs GUI and training
threads, and a forked copy of their locks can deadlock) and kept for the next job,
because a fresh process pays ~2 s to import umap plus ~45 s (two cores) of numba
compilation on its first fit of 4096 points or more; ``warm_up`` can pay it in advance.
A cancelled or failed worker is killed and the next job starts a new one.
Programs that call ``project`` from a script must guard their entry point with
``if __name__ == "__main__":`` as ``spawn`` imports the main module again.

Results are stored as ``<cache_dir>/<cache_key>.npz``, where the key hashes the projected
keys and vectors, the method, the parameters that method reads and its library version,
so retraining (new vectors) or upgrading umap-learn never returns a stale layout.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import re
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from engine.errors import EngineError
from engine.jobs import (
    NEVER_CANCELLED,
    Cancelled,
    CancelToken,
    Progress,
    ProgressCallback,
    no_progress,
)

if TYPE_CHECKING:
    from engine.spaces.embedding_space import EmbeddingSpace

log = logging.getLogger(__name__)

Method = Literal["pca", "umap", "tsne"]
METHODS: tuple[str, ...] = ("pca", "umap", "tsne")
METRICS: tuple[str, ...] = ("cosine", "euclidean")
UMAP_INITS: tuple[str, ...] = ("auto", "spectral", "pca")
_SPECTRAL_UP_TO = 20_000

# Bump when the file layout or the meaning of a parameter changes, to orphan old files.
_CACHE_FORMAT = 1
_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class ProjectionParams:
    """What to project and how.

    ``limit`` projects only the first ``limit`` keys (the most frequent, for word spaces);
    ``None`` projects all of them. ``seed`` makes UMAP and t-SNE reproducible (UMAP then
    runs its optimiser on one thread). ``metric`` is the neighbourhood metric of UMAP and
    t-SNE; PCA ignores it, as it ignores ``seed``.

    UMAP: ``n_neighbors`` trades local detail (small) for global shape (large);
    ``min_dist`` is how tightly points may pack; ``init`` places the points before the
    epochs: ``"spectral"`` (UMAP's default) or ``"pca"``. ``"auto"`` picks spectral up to
    20k points and PCA above: spectral's eigensolver took 85 s of a 120 s UMAP of 60k x 100
    clustered vectors (two cores) but ~1 s at 20k, and PCA initialisation preserves global
    structure about as well (Kobak & Linderman 2021, Nat. Biotechnol. 39:156).

    t-SNE: ``perplexity`` is roughly the number of neighbours each point attends to;
    ``n_iter`` counts all iterations, the first third (at most 250) with early
    exaggeration; ``learning_rate`` ``None`` means N / 12 (Belkina et al. 2019).
    Cost: 2D t-SNE uses FFT-interpolated gradients, O(N) per iteration, yet measured ~1 min
    for 20k x 100 and ~3 min for 60k on two cores; 3D has only Barnes-Hut, O(N log N) with
    a large constant, several times slower again. Set ``limit`` to keep it interactive.
    (UMAP of 60k x 100: ~30 s in a warm worker, ~65 s in a fresh one; PCA: 0.1 s.)

    PCA: ``whiten`` scales each axis to unit variance.

    ``fit_limit`` (UMAP and t-SNE): fit on the first ``fit_limit`` keys only, then place
    each other key where its nearest fitted keys lie (UMAP: the distance-weighted mean of
    its ``n_neighbors`` nearest, found with the fitted model's own neighbour index;
    t-SNE: openTSNE's median of its 25 nearest), without optimising them further. On two
    cores UMAP of 400k words takes many minutes; fitted on 50k and placing 350k it took
    about a minute (fit ~25-60 s, placing ~9 s, measured on GloVe 6B).
    """

    method: Method = "pca"
    dims: int = 2
    seed: int = 0
    limit: int | None = None
    n_neighbors: int = 15
    min_dist: float = 0.1
    metric: str = "cosine"
    init: str = "auto"
    perplexity: float = 30.0
    n_iter: int = 750
    learning_rate: float | None = None
    whiten: bool = False
    fit_limit: int | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise EngineError(f"Unknown projection method {self.method!r}.",
                              "Use 'pca', 'umap' or 'tsne'.")
        if _not_int(self.dims) or self.dims not in (2, 3):
            raise EngineError(f"A projection has 2 or 3 dimensions, not {self.dims!r}.")
        if _not_int(self.seed) or not 0 <= self.seed < 2**32:
            raise EngineError(f"The seed must be an integer from 0 to 2**32 - 1, not "
                              f"{self.seed!r}.")
        if self.limit is not None and (_not_int(self.limit) or self.limit < 2):
            raise EngineError(f"The limit must be a number of keys of at least 2, not "
                              f"{self.limit!r}.", "Leave it empty to project every key.")
        if _not_int(self.n_neighbors) or not 2 <= self.n_neighbors <= 500:
            raise EngineError(f"UMAP's n_neighbors must be an integer from 2 to 500, not "
                              f"{self.n_neighbors!r}.", "15 is a good start.")
        if not _is_real(self.min_dist) or not 0.0 <= self.min_dist <= 1.0:
            raise EngineError(f"UMAP's min_dist must be between 0 and 1, not "
                              f"{self.min_dist!r}.", "0.1 is a good start.")
        if self.init not in UMAP_INITS:
            raise EngineError(f"Unknown UMAP initialisation {self.init!r}.",
                              "Use 'auto', 'spectral' or 'pca'.")
        if self.metric not in METRICS:
            raise EngineError(f"Unknown metric {self.metric!r}.", "Use 'cosine' or 'euclidean'.")
        if not _is_real(self.perplexity) or not 1.0 <= self.perplexity <= 1000.0:
            raise EngineError(f"t-SNE's perplexity must be between 1 and 1000, not "
                              f"{self.perplexity!r}.", "5 to 50 is the usual range.")
        if _not_int(self.n_iter) or not 50 <= self.n_iter <= 100_000:
            raise EngineError(f"t-SNE's n_iter must be an integer from 50 to 100000, not "
                              f"{self.n_iter!r}.", "750 is a good start.")
        if self.learning_rate is not None and (
            not _is_real(self.learning_rate) or not self.learning_rate > 0.0
        ):
            raise EngineError(f"t-SNE's learning rate must be positive, not "
                              f"{self.learning_rate!r}.", "Leave it empty for N / 12.")
        if self.fit_limit is not None and (_not_int(self.fit_limit) or self.fit_limit < 2):
            raise EngineError(f"The number of words to fit on must be at least 2, not "
                              f"{self.fit_limit!r}.", "Leave it empty to fit on every word.")
        if not isinstance(self.whiten, bool):
            raise EngineError(f"PCA's whiten must be True or False, not {self.whiten!r}.")
        # Plain Python numbers, so numpy scalars serialise and 30 and 30.0 share a cache key.
        for name in ("dims", "seed", "limit", "n_neighbors", "n_iter", "fit_limit"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, int(getattr(self, name)))
        for name in ("min_dist", "perplexity", "learning_rate"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, float(getattr(self, name)))

    def relevant(self) -> dict[str, Any]:
        """The parameters ``method`` reads: the ones that belong in the cache key."""
        names = {
            "pca": ("dims", "whiten"),
            "umap": ("dims", "seed", "n_neighbors", "min_dist", "metric", "init"),
            "tsne": ("dims", "seed", "perplexity", "n_iter", "learning_rate", "metric"),
        }[self.method]
        values = asdict(self)
        relevant = {"method": self.method, **{name: values[name] for name in names}}
        # Only when set, so layouts cached (and shipped) before it existed keep their keys.
        if self.method != "pca" and self.fit_limit is not None:
            relevant["fit_limit"] = self.fit_limit
        return relevant


def _not_int(value: object) -> bool:
    return isinstance(value, bool) or not isinstance(value, int | np.integer)


def _is_real(value: object) -> bool:
    return (not isinstance(value, bool) and isinstance(value, int | float | np.number)
            and math.isfinite(float(value)))


@dataclass(frozen=True, eq=False)
class Projection:
    """Coordinates for ``keys`` (float32, ``len(keys)`` x ``params.dims``, read-only).

    ``elapsed`` is how long this call took; ``cached`` says whether it was read from disk.
    """

    keys: tuple[str, ...]
    coords: np.ndarray
    params: ProjectionParams
    elapsed: float
    cache_key: str
    cached: bool = False

    def __len__(self) -> int:
        return len(self.keys)


def default_cache_dir() -> Path:
    """``$EMBEDDING_EXPLORER_CACHE/projections``, else under ``$XDG_CACHE_HOME`` or
    ``~/.cache`` (see ``engine.paths.cache_dir``)."""
    from engine.paths import cache_dir

    return cache_dir("projections")


def project(
    space: EmbeddingSpace,
    params: ProjectionParams,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    cache_dir: Path | None = None,
    cached_only: bool = False,
    shipped: Sequence[Path] | None = None,
) -> Projection:
    """Project the first ``params.limit`` keys of ``space`` to ``params.dims`` dimensions.

    A cached result for the same vectors and parameters is returned without recomputing;
    so is a layout shipped in ``resources/`` (``shipped`` folders, see ``store_shipped``).
    ``cached_only`` raises ``EngineError`` instead of computing when neither exists.
    Raises ``Cancelled`` when ``cancel`` is set (nothing is written to the cache then) and
    ``EngineError`` when the space is too small for the parameters or a method fails.
    """
    started = time.perf_counter()
    cancel.raise_if_cancelled()
    n = len(space) if params.limit is None else min(params.limit, len(space))
    if params.fit_limit is not None and (params.fit_limit >= n or params.method == "pca"):
        params = replace(params, fit_limit=None)  # it would fit on every key anyway
    keys = tuple(space.keys[:n])
    vectors = space.vectors[:n]
    _check_size(params.fit_limit or n, space.dim, params)

    key = cache_key(keys, vectors, params)
    path = _cache_path(cache_dir, key)
    coords = _load_cached(path, n, params.dims) if path is not None else None
    if coords is not None:
        progress(Progress(1.0, f"Loaded the {_NAMES[params.method]} layout from the cache",
                          {"cached": True}))
        return Projection(keys, coords, params, time.perf_counter() - started, key, True)
    coords = _load_shipped(shipped_dirs() if shipped is None else shipped, keys, vectors,
                           params)
    if coords is not None:
        progress(Progress(1.0, f"Loaded the shipped {_NAMES[params.method]} layout",
                          {"cached": True}))
        return Projection(keys, coords, params, time.perf_counter() - started, key, True)
    if cached_only:
        raise EngineError(f"No stored {_NAMES[params.method]} {params.dims}D layout for "
                          "this space.", "Run the projection to compute one.")

    if params.method == "pca":
        coords = _pca(vectors, params.dims, params.whiten, progress, cancel)
    else:
        coords = _run_in_worker(params.method, vectors, params, progress, cancel)
    cancel.raise_if_cancelled()
    if not np.isfinite(coords).all():
        raise EngineError(f"{_NAMES[params.method]} produced NaN or infinite coordinates.",
                          "Try another seed, more neighbours, or the euclidean metric.")
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    coords.setflags(write=False)
    if path is not None:
        _store(path, coords, params)
    progress(Progress(1.0, f"{_NAMES[params.method]} done", {"points": n}))
    return Projection(keys, coords, params, time.perf_counter() - started, key, False)


_NAMES = {"pca": "PCA", "umap": "UMAP", "tsne": "t-SNE"}


def _check_size(n: int, dim: int, params: ProjectionParams) -> None:
    """Fail before any work with limits a person can change, instead of a library error."""
    name = _NAMES[params.method]
    if n <= params.dims:
        raise EngineError(f"{name} into {params.dims}D needs more than {params.dims} points; "
                          f"this projection has {n}.", "Raise the limit or use a larger space.")
    if params.method == "pca" and dim < params.dims:
        raise EngineError(f"PCA cannot give {params.dims} axes for {dim}-dimensional vectors.",
                          f"Project to {dim}D instead.")
    if params.method == "umap" and n <= params.n_neighbors:
        raise EngineError(f"UMAP with n_neighbors={params.n_neighbors} needs more than "
                          f"{params.n_neighbors} points; this projection has {n}.",
                          "Lower n_neighbors or raise the limit.")
    if params.method == "tsne" and n <= 3 * params.perplexity + 1:
        need = math.floor(3 * params.perplexity + 2)
        raise EngineError(f"t-SNE with perplexity {params.perplexity:g} needs at least {need} "
                          f"points; this projection has {n}.",
                          "Lower the perplexity or raise the limit.")


# ---- cache ----------------------------------------------------------------------------
def cache_key(keys: Sequence[str], vectors: np.ndarray, params: ProjectionParams,
              with_library: bool = True) -> str:
    """``<method><dims>d-<sha256 prefix>`` over the keys, the raw vector bytes, the
    parameters the method reads and (``with_library``) its library version."""
    digest = hashlib.sha256()
    recipe = {"format": _CACHE_FORMAT, **params.relevant()}
    if with_library:
        recipe["library"] = _library_version(params.method)
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    digest.update(f"|{vectors.shape[0]}x{vectors.shape[1]}|".encode())
    # NUL cannot occur in a key read from text, so joining with it is unambiguous.
    digest.update("\x00".join(keys).encode("utf-8", "surrogatepass"))
    # One pass over the buffer, no copy: ~25 ms for 60k x 100 float32.
    digest.update(memoryview(vectors).cast("B"))
    return f"{params.method}{params.dims}d-{digest.hexdigest()[:40]}"


def _cache_path(cache_dir: Path | None, key: str) -> Path | None:
    try:
        folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    except OSError as exc:  # e.g. a read-only home: project anyway, uncached
        log.warning("No projection cache: %s", exc)
        return None
    return folder / f"{key}.npz"


# ---- shipped layouts ------------------------------------------------------------------
# A shipped layout is a finished result for one space: it stays valid when the user's
# umap-learn or numpy version differs from the one that made it, so its file name leaves
# the library version out (the .npz's meta still records it).
def shipped_dirs() -> tuple[Path, ...]:
    from engine.paths import RESOURCES

    return (RESOURCES / "words" / "projections", RESOURCES / "images" / "projections")


def _load_shipped(folders: Sequence[Path], keys: Sequence[str], vectors: np.ndarray,
                  params: ProjectionParams) -> np.ndarray | None:
    folders = [Path(f) for f in folders if Path(f).is_dir()]
    if not folders:
        return None
    name = cache_key(keys, vectors, params, with_library=False) + ".npz"
    for folder in folders:
        coords = _load_cached(folder / name, len(keys), params.dims)
        if coords is not None:
            return coords
    return None


def store_shipped(space: EmbeddingSpace, params: ProjectionParams, folder: Path,
                  progress: ProgressCallback = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED, cache_dir: Path | None = None) -> Path:
    """Compute (or take from the cache) ``params``'s layout of ``space`` and write it to
    ``folder`` under its shipped name."""
    result = project(space, params, progress, cancel, cache_dir, shipped=())
    n = len(result.keys)
    name = cache_key(result.keys, space.vectors[:n], params, with_library=False) + ".npz"
    path = Path(folder) / name
    _store(path, result.coords, params)
    if not path.is_file():
        raise EngineError(f"Could not write {path}.", "Check that the folder is writable.")
    return path


def _library_version(method: str) -> str:
    package = {"pca": "numpy", "umap": "umap-learn", "tsne": "openTSNE"}[method]
    try:
        return f"{package} {metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return f"{package} missing"


def _load_cached(path: Path, n: int, dims: int) -> np.ndarray | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            coords = np.ascontiguousarray(data["coords"], dtype=np.float32)
    except (OSError, ValueError, KeyError, EOFError) as exc:
        log.warning("Ignoring unreadable projection cache %s: %s", path, exc)
        return None
    if coords.shape != (n, dims) or not np.isfinite(coords).all():
        log.warning("Ignoring projection cache %s: shape %s, expected %s", path,
                    coords.shape, (n, dims))
        return None
    coords.setflags(write=False)
    return coords


def _store(path: Path, coords: np.ndarray, params: ProjectionParams) -> None:
    """Write via a temporary file and ``os.replace`` so a reader (or a crash) never sees a
    half-written file. A cache that cannot be written only costs a recomputation later."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        meta = json.dumps({**params.relevant(), "library": _library_version(params.method)})
        with os.fdopen(fd, "wb") as f:
            np.savez(f, coords=coords, meta=np.array(meta))
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        log.warning("Could not write projection cache %s: %s", path, exc)
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


# ---- PCA ------------------------------------------------------------------------------
def _pca(
    vectors: np.ndarray, dims: int, whiten: bool, progress: ProgressCallback,
    cancel: CancelToken,
) -> np.ndarray:
    progress(Progress(0.0, "PCA: centring the vectors"))
    # float64: the covariance of 60k float32 rows loses digits that decide the axis order
    # when two variances are close.
    x = vectors.astype(np.float64)
    x -= x.mean(axis=0)
    cancel.raise_if_cancelled()
    progress(Progress(0.3, "PCA: eigenvectors of the covariance"))
    # Eigenvectors of the D x D scatter matrix instead of an SVD of the N x D data: the
    # same axes for N >> D, in 40 ms instead of 500 ms for 60k x 100 (no N x D factor U).
    eigenvalues, eigenvectors = np.linalg.eigh(x.T @ x)
    cancel.raise_if_cancelled()
    top = np.argsort(eigenvalues)[::-1][:dims]
    axes = eigenvectors[:, top]
    # Each axis is fixed only up to sign; make its largest loading positive (as sklearn's
    # svd_flip does) so the same vectors always give the same picture.
    signs = np.sign(axes[np.argmax(np.abs(axes), axis=0), np.arange(dims)])
    signs[signs == 0] = 1.0
    coords = x @ (axes * signs)
    if whiten:
        std = np.sqrt(np.maximum(eigenvalues[top], 0.0) / max(len(x) - 1, 1))
        coords /= np.maximum(std, 1e-12)
    return coords


# ---- worker process for UMAP and t-SNE -------------------------------------------------
class _Worker:
    """A spawned process that runs projection jobs sent over a pipe, one at a time."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe(duplex=True)
        # daemon: multiprocessing terminates it when the parent exits normally.
        self.process = ctx.Process(target=_worker_main, args=(child,),
                                   name="projection-worker", daemon=True)
        self.process.start()
        child.close()
        self.jobs = 0

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1.0)
        self.conn.close()

    def close(self) -> None:
        try:
            self.conn.send(None)
            self.process.join(2.0)
        except OSError:
            pass
        self.kill()


_pool_lock = threading.Lock()
_idle: list[_Worker] = []
_MAX_IDLE = 1  # a warm worker holds ~470 MB; concurrent jobs start their own


def _checkout() -> _Worker:
    with _pool_lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive():
                return worker
            worker.kill()
    return _Worker()


def _checkin(worker: _Worker) -> None:
    with _pool_lock:
        if len(_idle) < _MAX_IDLE:
            _idle.append(worker)
            return
    worker.close()


def shutdown_workers() -> None:
    """Stop the idle worker process(es); the next UMAP or t-SNE job starts a fresh one."""
    with _pool_lock:
        workers = list(_idle)
        _idle.clear()
    for worker in workers:
        worker.close()


def warm_up(metric: str = "cosine", cancel: CancelToken = NEVER_CANCELLED) -> None:
    """Start the worker and let numba compile UMAP's kernels on throw-away data.

    A fresh worker's first UMAP of 4096 points or more spends ~45 s (two cores) compiling
    pynndescent and the layout optimiser; this moves that wait to a moment the user is not
    watching. It blocks: call it from a background thread. Compilation is per metric.
    """
    # 4200 rows: below 4096 UMAP takes an exact-distance path and compiles less.
    x = np.random.default_rng(0).standard_normal((4200, 8)).astype(np.float32)
    _run_in_worker("umap", x, ProjectionParams("umap", metric=metric), no_progress, cancel)


def _run_in_worker(
    method: str, vectors: np.ndarray, params: ProjectionParams, progress: ProgressCallback,
    cancel: CancelToken,
) -> np.ndarray:
    name = _NAMES[method]
    worker = _checkout()
    if worker.jobs == 0:
        progress(Progress(0.0, f"{name}: starting a worker process"))
    else:
        progress(Progress(0.0, f"{name}: starting"))
    finished = False
    try:
        try:
            worker.conn.send((method, vectors, params))
        except OSError:  # the idle worker died between the alive check and the send
            worker.kill()
            worker = _Worker()
            worker.conn.send((method, vectors, params))
        while True:
            if cancel.cancelled:
                raise Cancelled()
            if not worker.conn.poll(_POLL_SECONDS):
                if not worker.alive():
                    code = worker.process.exitcode
                    raise EngineError(
                        f"The {name} worker process stopped unexpectedly (exit code {code}).",
                        "It may have run out of memory: lower the limit and try again.")
                continue
            try:
                message = worker.conn.recv()
            except EOFError:
                raise EngineError(f"The {name} worker process stopped unexpectedly.",
                                  "It may have run out of memory: lower the limit.") from None
            kind = message[0]
            if kind == "progress":
                _, fraction, text, stats = message
                progress(Progress(fraction, f"{name}: {text}", stats))
            elif kind == "result":
                finished = True
                worker.jobs += 1
                return message[1]
            else:
                _, text, trace = message
                log.error("%s worker failed:\n%s", name, trace)
                raise EngineError(f"{name} failed: {text}",
                                  "Try other parameters, or PCA, which always works.")
    finally:
        # Anything but a clean result (cancel, an error, a progress callback raising)
        # may leave the worker mid-job: kill it rather than reuse it.
        if finished:
            _checkin(worker)
        else:
            worker.kill()


# ---- code that runs inside the worker ----------------------------------------------------
Report = Callable[..., None]


def _worker_main(conn: multiprocessing.connection.Connection) -> None:
    _exit_with_parent()
    # random_state makes UMAP single-threaded, and it says so on every fit; sklearn's exact
    # neighbours (t-SNE below 1000 points) cannot use loky inside a daemon process either.
    warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
    warnings.filterwarnings("ignore", message="Loky-backed", category=UserWarning)
    send_lock = threading.Lock()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        method, vectors, params = job

        def report(fraction: float, message: str, **stats: Any) -> None:
            # tqdm's monitor thread may refresh the bar too, and a Connection is not
            # safe to write from two threads at once.
            with send_lock:
                conn.send(("progress", fraction, message, stats))

        try:
            runner = _umap_in_worker if method == "umap" else _tsne_in_worker
            coords = np.ascontiguousarray(runner(vectors, params, report), dtype=np.float32)
        except Exception as exc:
            with send_lock:
                conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
            continue
        del vectors
        with send_lock:
            conn.send(("result", coords))


def _exit_with_parent() -> None:
    """If the parent is killed outright its pipe is never closed while a job runs; watch
    its sentinel so an orphaned worker does not compute for minutes."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class _EpochWriter:
    """A file for tqdm: UMAP's only per-epoch hook is the progress bar it draws through
    ``tqdm_kwds``; with ``bar_format="{n}/{total}"`` each write names the epoch."""

    _pattern = re.compile(r"(\d+)/(\d+)")

    def __init__(self, on_epoch: Callable[[int, int], None]) -> None:
        self.on_epoch = on_epoch

    def write(self, text: str) -> int:
        found = self._pattern.findall(text)
        if found:
            done, total = found[-1]
            self.on_epoch(int(done), int(total))
        return len(text)

    def flush(self) -> None:
        pass


# Share of the progress bar before the first epoch (neighbour search, fuzzy graph, spectral
# initialisation). Measured on 20k x 100, two cores: 1 s of 11 s in a warm worker, but 36 s
# of 54 s in a fresh one, where numba compiles pynndescent on the way.
_UMAP_GRAPH_SHARE = {True: 0.65, False: 0.15}
_TSNE_AFFINITY_SHARE = 0.2
_umap_compiled = False  # in the worker: has numba compiled the approximate-neighbour path?


def _umap_in_worker(vectors: np.ndarray, params: ProjectionParams, report: Report) -> np.ndarray:
    global _umap_compiled
    report(0.01, "loading umap-learn")
    import umap

    # Below 4096 points UMAP computes exact distances, which compiles little.
    cold = not _umap_compiled and len(vectors) >= 4096
    share = _UMAP_GRAPH_SHARE[cold]
    compiling = " (compiling on first use)" if cold else ""
    report(0.03, f"finding {params.n_neighbors} nearest neighbours of {len(vectors):,} "
                 f"points{compiling}")

    def on_epoch(done: int, total: int) -> None:
        report(share + (0.99 - share) * done / max(total, 1),
               f"optimising the layout, epoch {done}/{total}", epoch=done, epochs=total)

    init = params.init
    if init == "auto":
        init = "spectral" if len(vectors) <= _SPECTRAL_UP_TO else "pca"
    reducer = umap.UMAP(
        n_components=params.dims, n_neighbors=params.n_neighbors, min_dist=params.min_dist,
        metric=params.metric, init=init, random_state=params.seed, n_jobs=1, verbose=False,
        tqdm_kwds={"disable": False, "file": _EpochWriter(on_epoch), "mininterval": 0.25,
                   "bar_format": "{n}/{total}", "leave": False},
    )
    fit = vectors if params.fit_limit is None else vectors[:params.fit_limit]
    coords = reducer.fit_transform(fit)
    _umap_compiled = _umap_compiled or len(fit) >= 4096
    if len(fit) == len(vectors):
        return coords
    rest = vectors[len(fit):]
    report(0.99, f"placing the other {len(rest):,} points by their {params.n_neighbors} "
                 f"nearest fitted points")
    index = getattr(reducer, "_knn_search_index", None)
    if index is not None:
        rows, distances = index.query(rest, k=params.n_neighbors)
    else:  # a small fit (< 4096 points) is searched exactly
        rows, distances = _exact_neighbours(fit, rest, params.n_neighbors, params.metric)
    return np.concatenate([coords, _weighted_mean(coords, rows, distances)])


def _weighted_mean(coords: np.ndarray, rows: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """Each new point at the mean of its neighbours' positions, weighted 1 / distance."""
    weights = 1.0 / (np.asarray(distances, dtype=np.float64) + 1e-6)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, coords[rows].astype(np.float64))


def _exact_neighbours(fit: np.ndarray, rest: np.ndarray, k: int,
                      metric: str) -> tuple[np.ndarray, np.ndarray]:
    a = fit.astype(np.float32)
    if metric == "cosine":
        a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    rows, dists = [], []
    for start in range(0, len(rest), 4096):
        b = rest[start:start + 4096].astype(np.float32)
        if metric == "cosine":
            b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
            d = 1.0 - b @ a.T
        else:
            d = np.sqrt(np.maximum((b * b).sum(1)[:, None] - 2 * b @ a.T + (a * a).sum(1),
                                   0.0))
        top = np.argpartition(d, min(k, d.shape[1] - 1), axis=1)[:, :k]
        rows.append(top)
        dists.append(np.take_along_axis(d, top, axis=1))
    return np.concatenate(rows), np.maximum(np.concatenate(dists), 0.0)


def _tsne_in_worker(vectors: np.ndarray, params: ProjectionParams, report: Report) -> np.ndarray:
    report(0.01, "loading openTSNE")
    try:
        from openTSNE import TSNE
    except ImportError as exc:
        raise RuntimeError("openTSNE is not installed (pip install openTSNE)") from exc

    early = min(250, params.n_iter // 3)
    total = params.n_iter
    state = {"offset": 0, "last": 0}

    def callback(iteration: int, error: float, _embedding: np.ndarray) -> bool:
        # openTSNE restarts the count for the phase after early exaggeration.
        if iteration < state["last"]:
            state["offset"] += state["last"]
        state["last"] = iteration
        done = state["offset"] + iteration
        share = _TSNE_AFFINITY_SHARE
        phase = "early exaggeration" if early and done <= early else "optimising"
        report(share + (0.99 - share) * done / total,
               f"{phase}, iteration {done}/{total}, KL {error:.3f}",
               iteration=done, iterations=total, kl_divergence=float(error))
        return False

    report(0.03, f"computing affinities of {len(vectors):,} points "
                 f"(perplexity {params.perplexity:g})")
    tsne = TSNE(
        n_components=params.dims, perplexity=params.perplexity,
        learning_rate="auto" if params.learning_rate is None else params.learning_rate,
        early_exaggeration_iter=early, n_iter=total - early, metric=params.metric,
        # FFT interpolation supports at most 2 output dimensions.
        negative_gradient_method="auto" if params.dims == 2 else "bh",
        n_jobs=max(os.cpu_count() or 1, 1), random_state=params.seed,
        callbacks=callback, callbacks_every_iters=10, verbose=False,
    )
    fit = vectors if params.fit_limit is None else vectors[:params.fit_limit]
    embedding = tsne.fit(fit)
    if len(fit) == len(vectors):
        return np.asarray(embedding)
    rest = vectors[len(fit):]
    report(0.99, f"placing the other {len(rest):,} points by their nearest fitted points")
    placed = embedding.prepare_partial(rest, initialization="median", k=25)
    return np.concatenate([np.asarray(embedding), np.asarray(placed)])
