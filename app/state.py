"""``AppState``: the one active space, projection, selection, hover and highlight.

Views and panels never talk to each other: they change this state and follow its
signals (glue's linked views; napari's model/view split). The state holds results the
engine computed; it computes nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.projection import ProjectionParams
from engine.spaces import EmbeddingSpace


@dataclass(frozen=True, eq=False)
class PictureLayer:
    """Pictures drawn among a layout's points (the image-label space's atlas): where each
    lies in the layout on screen, its short name and label, and its thumbnail."""

    coords: np.ndarray  # M x dims, in the state's layout
    names: tuple[str, ...]
    labels: tuple[str, ...]
    tile: Callable[[int], np.ndarray]  # picture i as H x W x 3 uint8

    def __post_init__(self) -> None:
        # Engine results arrive as float64 or float16 arrays and lists; the views take
        # float32 rows, as for the state's coords.
        object.__setattr__(self, "coords", np.asarray(self.coords, dtype=np.float32))
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "labels", tuple(self.labels))

    def __len__(self) -> int:
        return len(self.coords)


@dataclass(frozen=True, eq=False)
class Probe:
    """A query drawn among the points (a dropped picture): where it lies in the layout,
    and the keys it is linked to, best first (its top labels)."""

    name: str
    position: np.ndarray  # (dims,)
    linked: tuple[str, ...]
    thumbnail: np.ndarray | None = None  # H x W x 3 uint8

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", np.asarray(self.position, dtype=np.float32))
        object.__setattr__(self, "linked", tuple(self.linked))


class AppState(QObject):
    """Shared by every view of one window. Words are keys of the active space.

    ``selection_changed`` and ``hover_changed`` carry ``""`` for "nothing".
    """

    space_changed = Signal()
    projection_changed = Signal()
    selection_changed = Signal(str)
    hover_changed = Signal(str)
    highlight_changed = Signal(list)
    centre_requested = Signal(str)  # a view should bring this word into the middle
    arrows_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.space: EmbeddingSpace | None = None
        self.space_path: Path | None = None
        self.keys: tuple[str, ...] = ()
        self.coords: np.ndarray = np.zeros((0, 2), dtype=np.float32)
        # How ``coords`` were made; ``None`` for coordinates read from a file or made by
        # something other than a projection (``projection_made_by`` says what).
        self.projection_params: ProjectionParams | None = None
        self.projection_made_by = ""
        self._row_of: dict[str, int] = {}
        self._row_of_keys: tuple[str, ...] | None = None  # the keys _row_of maps
        self.selection: str | None = None
        self.hover: str | None = None
        self.highlighted: list[str] = []
        # Arrows between words (start, end), e.g. an analogy's parallelogram; ``missed``
        # ones are drawn fainter (an evaluated analogy's wrong answer).
        self.arrows: list[tuple[str, str]] = []
        self.missed_arrows: list[tuple[str, str]] = []

    # ---- space and coordinates -------------------------------------------------------
    def set_space(self, space: EmbeddingSpace, path: Path | None) -> None:
        """Make ``space`` active; its old projection, selection and highlight go away."""
        self.space = space
        self.space_path = path
        self.set_projection((), np.zeros((0, 2), dtype=np.float32))
        self.select(None)
        self.set_hover(None)
        self.set_highlighted([])
        self.set_arrows([])
        self.set_colours(None)
        self.set_selected_set([])
        self.show_all()
        self.set_counterparts(None)
        self.set_pictures(None)
        self.set_probes([])
        self.space_changed.emit()

    def set_projection(self, keys: tuple[str, ...], coords: np.ndarray,
                       params: ProjectionParams | None = None, made_by: str = "") -> None:
        """Show ``coords`` (N x 2 or N x 3) for ``keys``; words not in ``keys`` are hidden.
        ``made_by`` says where coordinates without ``params`` come from (default: a
        file)."""
        if len(keys) != len(coords):
            raise ValueError(f"{len(keys)} keys but {len(coords)} coordinates")
        if coords.ndim != 2 or coords.shape[1] not in (2, 3):
            raise ValueError(f"coordinates of shape {coords.shape}: expected N x 2 or N x 3")
        self.keys = tuple(keys)
        self.coords = coords
        self.projection_params = params
        self.projection_made_by = made_by
        self._row_of = self._rows_for(self.keys)
        if self.counterpart_keys:  # they belonged to the shared layout just replaced
            self.counterpart_keys, self.counterpart_coords = (), None
            self._counterpart_row = {}
            self.counterparts_changed.emit()
        # Pictures and probes were placed in the layout just replaced: their owner places
        # them again in the new one (on projection_changed).
        if self.pictures is not None:
            self.pictures = None
            self.pictures_changed.emit()
        if self.probes:
            self.probes = ()
            self.probes_changed.emit()
        self.projection_changed.emit()

    def _rows_for(self, keys: tuple[str, ...]) -> dict[str, int]:
        """Each key's row. Building it takes ~40 ms for 400k words, and a new layout
        nearly always has the same words as the last one or as the space: reuse those
        (read-only) maps instead."""
        last = self._row_of_keys
        if last is not None and (keys is last or keys == last):
            return self._row_of
        self._row_of_keys = keys
        space = self.space
        if space is not None and (keys is space.keys or keys == space.keys):
            return space.key_to_index
        return dict(zip(keys, range(len(keys)), strict=True))

    @property
    def dims(self) -> int:
        """2 or 3: how many axes the shown coordinates have."""
        return int(self.coords.shape[1])

    def row_of(self, word: str) -> int | None:
        """The word's row in ``keys``/``coords``; ``None`` when it is not projected."""
        return self._row_of.get(word)

    def resolve(self, word: str) -> str | None:
        """The key ``word`` names in the active space (exact, else lower-cased), or None."""
        if self.space is None:
            return None
        word = word.strip()
        if word in self.space:
            return word
        lowered = word.lower()
        return lowered if lowered in self.space else None

    # ---- selection, hover, highlight -------------------------------------------------
    def select(self, word: str | None, centre: bool = False) -> None:
        word = word or None
        if word != self.selection:
            self.selection = word
            self.selection_changed.emit(word or "")
        if centre and word:
            self.centre_requested.emit(word)

    def set_hover(self, word: str | None) -> None:
        word = word or None
        if word != self.hover:
            self.hover = word
            self.hover_changed.emit(word or "")

    def set_highlighted(self, words: list[str]) -> None:
        words = list(words)
        if words != self.highlighted:
            self.highlighted = words
            self.highlight_changed.emit(words)

    # ---- arrows ----------------------------------------------------------------------
    def set_arrows(self, pairs: list[tuple[str, str]],
                   missed: list[tuple[str, str]] | None = None) -> None:
        """Draw an arrow from the first to the second word of each pair. They are words,
        not coordinates, so they survive a new layout of the same space (the views redraw
        them where the words now sit) and go away with the space."""
        pairs = [(a, b) for a, b in pairs]
        missed = [(a, b) for a, b in (missed or [])]
        if pairs != self.arrows or missed != self.missed_arrows:
            self.arrows = pairs
            self.missed_arrows = missed
            self.arrows_changed.emit()

    # ---- colours, multi-word selection, isolation, label size --------------------------
    # app/panels/appearance.py sets these; both views follow them. Class-level defaults,
    # replaced (never mutated) by the setters below.
    colours_changed = Signal()
    selected_set_changed = Signal(list)
    visibility_changed = Signal()
    label_size_changed = Signal(int)
    DEFAULT_LABEL_SIZE = 9  # points; each label's own size scales with it

    colours: np.ndarray | None = None  # N x 4 uint8 RGBA, one row per entry of ``keys``
    colour_legend: str = ""  # what the colours mean, as short rich text
    selected_set: tuple[str, ...] = ()
    visible_words: frozenset[str] | None = None  # None: every word is shown
    label_size: int = DEFAULT_LABEL_SIZE
    _visible_mask_cache: tuple[tuple, frozenset, np.ndarray] | None = None

    def set_colours(self, rgba: np.ndarray | None, legend: str = "") -> None:
        """Colour each shown word (rows of ``keys``); ``None``: the views' default colour."""
        if rgba is not None:
            rgba = np.asarray(rgba, dtype=np.uint8)
            if rgba.shape != (len(self.keys), 4):
                raise ValueError(f"colours of shape {rgba.shape} for {len(self.keys)} words: "
                                 f"expected {len(self.keys)} x 4")
        self.colours = rgba
        self.colour_legend = legend if rgba is not None else ""
        self.colours_changed.emit()

    def shown_colours(self) -> np.ndarray | None:
        """``colours`` when they still match the words shown, else ``None`` (a new
        projection arrived and has not been coloured yet)."""
        if self.colours is None or len(self.colours) != len(self.keys):
            return None
        return self.colours

    def set_selected_set(self, words: list[str] | tuple[str, ...]) -> None:
        """Select several words at once (box or lasso); the single ``selection`` stays."""
        words = tuple(dict.fromkeys(words))
        if words != self.selected_set:
            self.selected_set = words
            self.selected_set_changed.emit(list(words))

    def isolate(self, words: list[str] | tuple[str, ...]) -> None:
        """Show only ``words``; the views hide every other point until ``show_all``."""
        self.visible_words = frozenset(words)
        self.visibility_changed.emit()

    def show_all(self) -> None:
        if self.visible_words is not None:
            self.visible_words = None
            self.visibility_changed.emit()

    def visible_mask(self) -> np.ndarray | None:
        """One bool per entry of ``keys``: shown or hidden; ``None`` when all are shown."""
        if self.visible_words is None:
            return None
        # Cached by identity of the keys and the word set; holding them in the cache
        # keeps their ids from being reused by newer objects.
        cache = self._visible_mask_cache
        if cache is None or cache[0] is not self.keys or cache[1] is not self.visible_words:
            mask = np.zeros(len(self.keys), dtype=bool)
            rows = [r for r in map(self._row_of.get, self.visible_words) if r is not None]
            mask[rows] = True
            cache = self._visible_mask_cache = (self.keys, self.visible_words, mask)
        return cache[2]

    def is_visible(self, word: str | None) -> bool:
        return bool(word) and (self.visible_words is None or word in self.visible_words)

    # ---- counterparts: the same words in another space, in a shared layout --------------
    counterparts_changed = Signal()
    counterpart_keys: tuple[str, ...] = ()
    counterpart_coords: np.ndarray | None = None
    counterpart_space: str = ""  # what to call the other space
    _counterpart_row: dict[str, int] = {}

    def set_counterparts(self, keys: tuple[str, ...] | None, coords: np.ndarray | None = None,
                         space: str = "") -> None:
        """Where the words sit in another space drawn on the same axes as ``coords`` (an
        aligned shared layout, engine/words/align.py); ``None`` clears them. Set after
        ``set_projection``: a new projection clears them."""
        if keys is None or coords is None:
            if not self.counterpart_keys:
                return
            self.counterpart_keys, self.counterpart_coords, self.counterpart_space = (), None, ""
            self._counterpart_row = {}
        else:
            if len(keys) != len(coords) or coords.shape[1] != self.coords.shape[1]:
                raise ValueError(f"{len(keys)} counterpart keys with coordinates of shape "
                                 f"{coords.shape}, for a {self.coords.shape[1]}-D layout")
            self.counterpart_keys = tuple(keys)
            self.counterpart_coords = coords
            self.counterpart_space = space
            self._counterpart_row = dict(zip(self.counterpart_keys,
                                             range(len(self.counterpart_keys)), strict=True))
        self.counterparts_changed.emit()

    def counterpart_of(self, word: str) -> np.ndarray | None:
        """The word's position in the other space of the shared layout, if any."""
        row = self._counterpart_row.get(word)
        return None if row is None else self.counterpart_coords[row]

    def set_label_size(self, points: int) -> None:
        """The base size of word labels in points (``DEFAULT_LABEL_SIZE`` by default)."""
        points = int(points)
        if points != self.label_size:
            self.label_size = points
            self.label_size_changed.emit(points)

    # ---- pictures and probes: things placed among the points ---------------------------
    pictures_changed = Signal()
    probes_changed = Signal()
    pictures: PictureLayer | None = None
    probes: tuple[Probe, ...] = ()

    def set_pictures(self, layer: PictureLayer | None) -> None:
        """Draw ``layer``'s pictures among the points (``None``: none). Set after
        ``set_projection``, in its layout: a new projection clears them."""
        if layer is None and self.pictures is None:
            return
        if layer is not None:
            coords = np.asarray(layer.coords)
            if coords.ndim != 2 or coords.shape[1] != self.dims:
                raise ValueError(f"picture coordinates of shape {coords.shape} for a "
                                 f"{self.dims}-D layout: expected M x {self.dims} (place "
                                 f"the pictures in the layout shown now)")
            if not len(layer.names) == len(layer.labels) == len(coords):
                raise ValueError(f"{len(coords)} pictures with {len(layer.names)} names and "
                                 f"{len(layer.labels)} labels")
        self.pictures = layer
        self.pictures_changed.emit()

    def set_probes(self, probes: list[Probe] | tuple[Probe, ...]) -> None:
        """Draw ``probes`` among the points, each linked to its keys; like the pictures,
        a new projection clears them."""
        probes = tuple(probes)
        for probe in probes:
            if np.shape(probe.position) != (self.dims,):
                raise ValueError(f"probe {probe.name!r} at a position of shape "
                                 f"{np.shape(probe.position)} for a {self.dims}-D layout: "
                                 f"expected ({self.dims},)")
        if probes or self.probes:
            self.probes = probes
            self.probes_changed.emit()
