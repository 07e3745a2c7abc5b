"""A user's own labelled pictures, as a picture set the image-label models train on.

Two layouts people already have:

* **a folder with one sub-folder per label** (torchvision's ImageFolder layout):
  ``pets/cat/1.jpg``, ``pets/golden_retriever/2.png``. Pictures deeper down belong to
  their top sub-folder's label; pictures directly in the folder have no label and are
  skipped (and counted).
* **a CSV of path,label(s)**: a path (relative to the CSV's folder, or absolute) and one
  or more labels, either in further columns or in one column separated by ``;`` or
  ``|``. A first row whose path is not a file and whose second cell is "label" or
  "labels" is a header. A picture named on several rows gets every label.

A picture may carry several labels (multi-label): the first is its ``head``, the others
``also``. Each label is lower-cased with ``_`` and ``-`` read as spaces; a label of
several words meets the word space through its head noun: its last word, or the word
after "of" ("bunch of grapes" → "grapes"), as the stamps' descriptions do
(``dataset.label_of``); the label as written is kept.

Splits, seeded: a share of the labels is held out whole for zero-shot (a picture with
any held-out label is a zero-shot picture), and of the other labels' pictures a share
tests (at least one per label with two or more pictures). Either share may be 0. There
is no "style-test" split: a user's set has no second drawing style we know of.

The set is written as ``dataset.json`` in ``dataset.py``'s format, so ``images eval``,
``images train`` and the Training tab read it as they read the default set.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np

from engine.errors import EngineError
from engine.images.dataset import _NOT_HEADS, TEST_SHARE, ZERO_SHOT_SHARE, Picture
from engine.images.loading import PICTURE_SUFFIXES
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.paths import cache_dir

SOURCE = "user"
_HEADER_WORDS = {"label", "labels", "class", "classes", "tag", "tags"}


def user_label(text: str) -> tuple[str, str]:
    """("golden retriever", "retriever") from "Golden_Retriever"; ("", "") for a label
    with no word in it."""
    label = " ".join(text.replace("_", " ").replace("-", " ").strip().lower().split())
    words = [w.strip("'\".,;:!?()[]") for w in label.split()]
    words = [w for w in words if w]
    if not words:
        return "", ""
    head = words[words.index("of") + 1:][-1] if "of" in words[:-1] else words[-1]
    return (label, head) if head not in _NOT_HEADS else ("", "")


def _picture(path: Path, labels: list[str], category: str, text: str) -> Picture | None:
    parsed = [user_label(t) for t in labels]
    parsed = [(label, head) for label, head in parsed if head]
    if not parsed:
        return None
    heads = list(dict.fromkeys(head for _, head in parsed))  # first label first, once each
    return Picture(str(path), parsed[0][0], heads[0], text, category, SOURCE,
                   also=tuple(heads[1:]))


def read_image_folder(root: Path) -> tuple[list[Picture], dict]:
    """The pictures under ``root``'s sub-folders, labelled by them; and what was skipped."""
    pictures, skipped = [], Counter()
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and
                         not p.name.startswith(".")):
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            if path.suffix.lower() not in PICTURE_SUFFIXES:
                skipped["not a picture file"] += 1
                continue
            picture = _picture(path, [folder.name], folder.name, folder.name)
            if picture is None:
                skipped["no word in the label"] += 1
            else:
                pictures.append(picture)
    skipped["no label (not in a sub-folder)"] += sum(
        1 for p in root.iterdir() if p.is_file() and p.suffix.lower() in PICTURE_SUFFIXES)
    return pictures, {k: v for k, v in skipped.items() if v}


def _csv_labels(cells: list[str]) -> list[str]:
    labels = []
    for cell in cells:
        for part in cell.replace("|", ";").split(";"):
            if part.strip():
                labels.append(part.strip())
    return labels


def read_label_csv(path: Path) -> tuple[list[Picture], dict]:
    """The pictures a CSV of path,label(s) names; and what was skipped (rows whose file
    is missing or not a picture, rows without a label)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise EngineError(f"{path} cannot be read as a UTF-8 CSV ({e}).",
                          "Save it as CSV (UTF-8): path,label per line.") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(text.splitlines(), dialect) if any(c.strip() for c in r)]
    base = path.parent
    labels_of: dict[Path, list[str]] = {}
    skipped = Counter()
    missing_examples: list[str] = []
    for n, row in enumerate(rows):
        cells = [c.strip() for c in row]
        file = Path(cells[0]).expanduser()
        file = file if file.is_absolute() else base / file
        if n == 0 and not file.is_file() and len(cells) > 1 and \
                cells[1].lower() in _HEADER_WORDS:
            continue  # a header row
        labels = _csv_labels(cells[1:])
        if not labels:
            skipped["rows without a label"] += 1
        elif file.suffix.lower() not in PICTURE_SUFFIXES:
            skipped["not a picture file"] += 1
        elif not file.is_file():
            skipped["missing files"] += 1
            if len(missing_examples) < 3:
                missing_examples.append(cells[0])
        else:
            labels_of.setdefault(file, []).extend(labels)
    pictures = []
    for file, labels in labels_of.items():
        picture = _picture(file, labels, "", "; ".join(dict.fromkeys(labels)))
        if picture is None:
            skipped["no word in the label"] += 1
        else:
            pictures.append(picture)
    report = {k: v for k, v in skipped.items() if v}
    if missing_examples:
        report["missing, e.g."] = missing_examples
    return pictures, report


def read_user_set(source: Path) -> tuple[list[Picture], dict]:
    """The labelled pictures of a folder (ImageFolder layout) or a CSV, and a report of
    what was skipped; an ``EngineError`` saying what to do when nothing usable is
    there."""
    source = Path(source).expanduser()
    if source.is_dir():
        pictures, skipped = read_image_folder(source)
        hint = ("Put the pictures in one sub-folder per label (cat/1.jpg, dog/2.jpg), or "
                "give a CSV of path,label.")
    elif source.is_file() and source.suffix.lower() in (".csv", ".tsv", ".txt"):
        pictures, skipped = read_label_csv(source)
        hint = "Each row: a picture's path (relative to the CSV's folder), then its label(s)."
    elif source.exists():
        raise EngineError(f"{source} is neither a folder of labelled pictures nor a CSV.",
                          "Give a folder with one sub-folder per label, or a CSV of "
                          "path,label.")
    else:
        raise EngineError(f"{source}: no such file or folder.", "Check the path.")
    if not pictures:
        raise EngineError(f"{source} holds no labelled pictures"
                          f"{' (' + _skipped_text(skipped) + ')' if skipped else ''}.", hint)
    return pictures, skipped


def _skipped_text(skipped: dict) -> str:
    return ", ".join(f"{v} {k}" if not isinstance(v, list) else f"{k} {', '.join(v)}"
                     for k, v in skipped.items())


def assign_user_splits(pictures: list[Picture], seed: int = 0,
                       zero_shot_share: float = ZERO_SHOT_SHARE,
                       test_share: float = TEST_SHARE) -> list[Picture]:
    """Hold out a seeded share of the labels (every picture with one of them: zero-shot);
    of the other labels' pictures, ``test_share`` of each label's tests (at least one of
    a label with two or more)."""
    for name, share in (("zero-shot", zero_shot_share), ("test", test_share)):
        if not 0.0 <= share < 1.0:
            raise EngineError(f"The {name} share must be at least 0 and below 1, not "
                              f"{share}.", f"Use e.g. {ZERO_SHOT_SHARE} or {TEST_SHARE}.")
    rng = np.random.default_rng(seed)
    heads = sorted({h for p in pictures for h in (p.head, *p.also)})
    n_held = round(zero_shot_share * len(heads))
    if zero_shot_share and len(heads) >= 3:
        n_held = max(1, n_held)
    n_held = min(n_held, len(heads) - 1)  # something must train
    held = set(rng.choice(heads, size=n_held, replace=False).tolist()) if n_held else set()
    split = ["train"] * len(pictures)
    by_head: dict[str, list[int]] = {}
    for i, p in enumerate(pictures):
        if held & {p.head, *p.also}:
            split[i] = "zero-shot"
        else:
            by_head.setdefault(p.head, []).append(i)
    if test_share:
        for _, rows in sorted(by_head.items()):
            if len(rows) >= 2:
                n_test = min(len(rows) - 1, max(1, round(test_share * len(rows))))
                for i in rng.choice(rows, size=n_test, replace=False).tolist():
                    split[i] = "test"
    return [Picture(**{**asdict(p), "split": s}) for p, s in zip(pictures, split, strict=True)]


def user_set_path(source: Path) -> Path:
    """Where a user's set's ``dataset.json`` goes by default: the cache, never the user's
    own folder (named by the source's path, so two sets never share one)."""
    source = Path(source).expanduser().resolve()
    digest = hashlib.sha256(str(source).encode()).hexdigest()[:10]
    return cache_dir("images", "user-sets", f"{source.stem or 'set'}-{digest}") / "dataset.json"


def build_user_dataset(source: Path, out: Path | None = None, seed: int = 0,
                       zero_shot_share: float = ZERO_SHOT_SHARE,
                       test_share: float = TEST_SHARE,
                       progress: ProgressCallback = no_progress,
                       cancel: CancelToken = NEVER_CANCELLED) -> dict:
    """Read ``source`` (folder or CSV), assign splits, write ``dataset.json`` (default:
    ``user_set_path(source)``); returns a report with the path, the counts and what was
    skipped."""
    from engine.storage import atomic_write_text

    source = Path(source).expanduser()
    progress(Progress(0.1, f"Reading the labelled pictures of {source}"))
    pictures, skipped = read_user_set(source)
    cancel.raise_if_cancelled()
    pictures = assign_user_splits(pictures, seed, zero_shot_share, test_share)
    out = Path(out) if out is not None else user_set_path(source)
    counts = Counter(p.split for p in pictures)
    heads = Counter(h for p in pictures for h in (p.head, *p.also))
    manifest = {
        "description": f"A user's labelled pictures, from {source}",
        "rebuild": f"python -m engine images build-dataset --from {source}",
        "sources": [{"user": str(source.resolve()),
                     "layout": "folder of label folders" if source.is_dir() else "CSV",
                     "pictures": len(pictures)}],
        "choices": {
            "label": "lower case, '_' and '-' as spaces; several labels a picture allowed "
                     "(the first is its head, the others 'also')",
            "head": "the label's last word, or the last word after 'of'",
            "splits": {"seed": seed, "zero_shot_share_of_heads": zero_shot_share,
                       "test_share_of_pictures": test_share},
        },
        "skipped": skipped,
        "counts": {"pictures": len(pictures), "heads": len(heads),
                   "multi_label": sum(bool(p.also) for p in pictures), **dict(counts)},
    }
    data = {"manifest": manifest, "pictures": [asdict(p) for p in pictures]}
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    progress(Progress(1.0, f"{len(pictures):,} pictures of {len(heads):,} labels"))
    return {"path": str(out), **manifest["counts"], "skipped": skipped}


def load_picture_set(path: Path | None, progress: ProgressCallback = no_progress,
                     cancel: CancelToken = NEVER_CANCELLED):
    """The pictures and manifest of a picture set: the default set (``None``, built
    first if missing), a ``dataset.json``, or a user's folder or CSV (read and split
    with the default seed and shares, and written to the cache)."""
    from engine.images.dataset import build_dataset, default_dataset_path, load_dataset

    if path is None:
        if not default_dataset_path().is_file():
            build_dataset(progress=progress, cancel=cancel)
        return load_dataset()
    path = Path(path).expanduser()
    if path.suffix.lower() == ".json":
        return load_dataset(path)
    report = build_user_dataset(path, progress=progress, cancel=cancel)
    return load_dataset(Path(report["path"]))
