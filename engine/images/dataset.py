"""The default labelled picture set, from Debian's ``tuxpaint-stamps-default``.

Each Tux Paint stamp is a PNG or SVG drawing with a ``.txt`` beside it whose first line
describes it in English ("A crow.", "An albino peahen (a female peafowl, or
peacock)."). The label is that description without its article, final stop and
parenthesised asides ("albino peahen"); its head noun ("peahen": the last word, or the
word after "of" in "a bunch of grapes") is the key that meets the word space. The full
text and the category folder (``animals/birds``) are kept as metadata. Stamps that share a
base name (``apple_red``, ``apple_green``) stay separate pictures of one label when their
descriptions agree.

``python -m engine images build-dataset`` writes ``dataset.json`` (every picture, its
label, head noun, text, category and split, and a manifest of sources and choices) to
``<cache>/images/default-dataset``. Splits use a fixed seed: a share of the labels is
held out entirely (zero-shot), and of the others one picture in five is a test picture.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.paths import cache_dir

STAMPS_ROOT = Path("/usr/share/tuxpaint/stamps")
STAMPS_PACKAGE = "tuxpaint-stamps-default"
REBUILD_COMMAND = "python -m engine images build-dataset"
PICTURE_SUFFIXES = (".png", ".svg")
ZERO_SHOT_SHARE = 0.15  # of the labels, held out with all their pictures
TEST_SHARE = 0.2  # of the pictures of the other labels
SEED = 0

_ARTICLE = re.compile(r"^(a|an|the|some|two|three|four|five|six|several|many)\s+", re.I)
_PARENS = re.compile(r"\s*[(\[][^)\]]*[)\]]")
# A description that is a sentence ("Tankers carry bulk liquids.") names its subject
# before the verb.
_VERBS = {"is", "are", "was", "were", "carry", "carries", "has", "have", "can", "make",
          "makes", "show", "shows", "hold", "holds", "use", "uses", "used", "help", "helps"}
# Heads that name nothing ("Not equal to.").
_NOT_HEADS = {"to", "of", "and", "or", "the", "a", "an", "in", "on", "for", "with"}


@dataclass(frozen=True)
class Picture:
    path: str
    label: str  # the description's noun phrase, lower case
    head: str  # the key that meets the word space
    text: str  # the description as written
    category: str  # the folder under the stamps root, e.g. "animals/birds"
    source: str  # "tuxpaint", "emoji-noto", "emoji-symbola", "emoji-unifont"
    split: str = ""  # "train", "test", "style-test" or "zero-shot"
    also: tuple[str, ...] = ()  # a multi-label picture's other heads (a user's set)

    @property
    def heads(self) -> tuple[str, ...]:
        """Every label's head noun, ``head`` first."""
        return (self.head, *self.also)


def label_of(description: str) -> tuple[str, str]:
    """("albino peahen", "peahen") from "An albino peahen (a female peafowl, or
    peacock)."; ("bunch of grapes", "grapes") from "A bunch of grapes."."""
    text = _PARENS.sub("", description.strip())
    text = text.split(";")[0].split(" - ")[0].strip().rstrip(".!").strip()
    text = _ARTICLE.sub("", text)
    # A long description ("A cat, sitting on a mat") keeps its first phrase.
    phrase = text.split(",")[0].strip().lower()
    phrase = re.sub(r"[^\w' -]", "", phrase).strip()
    words = phrase.split()
    verbs = [i for i, w in enumerate(words) if w in _VERBS]
    if verbs and verbs[0] > 0:
        words = words[:verbs[0]]
        phrase = " ".join(words)
    if not words:
        return "", ""
    if "of" in words[:-1]:
        head = words[words.index("of") + 1:][-1]
    else:
        head = words[-1]
    head = head.strip("'")
    return (phrase, head) if head not in _NOT_HEADS else ("", "")


def read_stamps(root: Path = STAMPS_ROOT) -> list[Picture]:
    """Every stamp under ``root`` with an English description."""
    if not root.is_dir():
        raise EngineError(f"The Tux Paint stamps are not installed ({root} is missing).",
                          f"Install them: apt-get install {STAMPS_PACKAGE}")
    pictures = []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in PICTURE_SUFFIXES):
        description = path.with_suffix(".txt")
        if not description.is_file():
            continue
        try:
            first = description.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        if not first or not first[0].strip():
            continue
        label, head = label_of(first[0])
        if not head:
            continue
        category = path.parent.relative_to(root).as_posix()
        pictures.append(Picture(str(path), label, head, first[0].strip(), category,
                                "tuxpaint"))
    return pictures


def assign_splits(pictures: list[Picture], seed: int = SEED,
                  zero_shot_share: float = ZERO_SHOT_SHARE,
                  test_share: float = TEST_SHARE) -> list[Picture]:
    """Hold out a seeded share of the heads (every picture of them: zero-shot). Of the
    other heads' stamps, one in five is a test picture; their Noto emoji train and their
    Symbola and Unifont emoji test another style ("style-test")."""
    rng = np.random.default_rng(seed)
    heads = sorted({p.head for p in pictures})
    held = set(rng.choice(heads, size=round(zero_shot_share * len(heads)),
                          replace=False).tolist()) if heads else set()
    by_head: dict[str, list[int]] = {}
    for i, p in enumerate(pictures):
        if p.source == "tuxpaint":
            by_head.setdefault(p.head, []).append(i)
    split = ["train"] * len(pictures)
    for i, p in enumerate(pictures):
        if p.head in held:
            split[i] = "zero-shot"
        elif p.source.startswith("emoji-") and p.source != "emoji-noto":
            split[i] = "style-test"
    for head, rows in sorted(by_head.items()):
        if head in held:
            continue
        if len(rows) >= 2:
            n_test = max(1, round(test_share * len(rows)))
            for i in rng.choice(rows, size=n_test, replace=False).tolist():
                split[i] = "test"
    return [Picture(**{**asdict(p), "split": s}) for p, s in zip(pictures, split, strict=True)]


def _package_version(name: str) -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True,
                              text=True, check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def default_dataset_path() -> Path:
    return cache_dir("images", "default-dataset") / "dataset.json"


def read_emoji(folder: Path, progress: ProgressCallback = no_progress,
               cancel: CancelToken = NEVER_CANCELLED) -> list[Picture]:
    from engine.images.emoji import draw_emoji_set

    return [Picture(r["path"], r["label"], r["head"], r["text"], f"emoji/{r['font']}",
                    f"emoji-{r['font']}") for r in draw_emoji_set(folder, progress, cancel)]


def build_dataset(out: Path | None = None, root: Path = STAMPS_ROOT,
                  progress: ProgressCallback = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED, emoji: bool = True) -> dict:
    """Read the stamps and draw the emoji, assign splits, write ``dataset.json``."""
    from engine.images.emoji import FONTS
    from engine.jobs import sub_progress
    from engine.storage import atomic_write_text

    out = Path(out) if out is not None else default_dataset_path()
    progress(Progress(0.05, f"Reading the stamps under {root}"))
    pictures = read_stamps(root)
    if emoji:
        pictures += read_emoji(out.parent / "emoji", sub_progress(progress, 0.1, 0.85),
                               cancel)
    pictures = assign_splits(pictures)
    cancel.raise_if_cancelled()
    counts = Counter(p.split for p in pictures)
    heads = Counter(p.head for p in pictures)
    manifest = {
        "description": "Labelled pictures for the image-label space",
        "rebuild": REBUILD_COMMAND,
        "sources": [{"package": STAMPS_PACKAGE, "version": _package_version(STAMPS_PACKAGE),
                     "licence": "GPL-2+ (Tux Paint stamps)", "root": str(root),
                     "pictures": sum(p.source == "tuxpaint" for p in pictures)}]
        + ([{"package": package, "version": _package_version(package), "font": str(path),
             "licence": {"noto": "OFL-1.1", "symbola": "free for any use (Symbola)",
                         "unifont": "GPL-2+ with font exception / OFL-1.1"}[name],
             "pictures": sum(p.source == f"emoji-{name}" for p in pictures)}
            for name, (package, path, _, _) in FONTS.items()] if emoji else []),
        "choices": {
            "label": "the .txt's first line without article, final stop, parentheses; "
                     "its first comma-separated phrase, lower case",
            "head": "the label's last word, or the last word after 'of'; for emoji, of the "
                    "Unicode name's part before 'with'",
            "emoji": "Noto drawings train, Symbola and Unifont drawings test another style "
                     "(style-test), unless the label is held out (zero-shot)",
            "splits": {"seed": SEED, "zero_shot_share_of_heads": ZERO_SHOT_SHARE,
                       "test_share_of_pictures": TEST_SHARE},
        },
        "counts": {"pictures": len(pictures), "heads": len(heads), **dict(counts)},
    }
    data = {"manifest": manifest, "pictures": [asdict(p) for p in pictures]}
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    progress(Progress(1.0, f"{len(pictures):,} pictures of {len(heads):,} labels"))
    return {"path": str(out), **manifest["counts"]}


def load_dataset(path: Path | None = None) -> tuple[list[Picture], dict]:
    """The pictures and manifest of a ``dataset.json``."""
    path = Path(path) if path is not None else default_dataset_path()
    if not path.is_file():
        raise EngineError(f"No picture set at {path}.", f"Build it: {REBUILD_COMMAND}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pictures = [Picture(**{**p, "also": tuple(p.get("also", ()))})
                    for p in data["pictures"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise EngineError(f"{path} is not a readable picture set ({e}).",
                          f"Build it again: {REBUILD_COMMAND}") from None
    return pictures, data.get("manifest", {})
