"""Emoji drawn from three Debian fonts: one concept in three styles.

* Noto Color Emoji (``fonts-noto-color-emoji``): colour bitmaps, drawn at their one
  size, 109 px, with ``embedded_color``;
* Symbola (``fonts-symbola``): black outlines;
* Unifont (``fonts-unifont``): 16 x 16 pixel glyphs, drawn large.

The label is the Unicode name ("RED APPLE" -> "red apple", head "apple"; "FACE WITH TEARS
OF JOY" -> "face": what comes before "with" names the thing). A font draws an emoji only
if its character map has it (fontTools reads it). Each drawing is saved as a PNG in
the cache, so the picture set's entries are files like the stamps.

The styles give the picture set its cross-style test: for a label that is not held out,
the Noto drawing trains, the Symbola and Unifont drawings test ("style-test").
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress

FONTS = {
    "noto": ("fonts-noto-color-emoji", Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),
             109, True),
    "symbola": ("fonts-symbola",
                Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"), 160, False),
    "unifont": ("fonts-unifont", Path("/usr/share/fonts/opentype/unifont/unifont_upper.otf"),
                160, False),
}
TRAIN_FONT = "noto"
# Pictographs, emoticons, transport and map symbols, supplemental symbols: the blocks of
# things; flags, keycaps and skin-tone modifiers are left out.
RANGES = ((0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F900, 0x1F9FF),
          (0x1FA70, 0x1FAFF))
SIZE = 224
_SKIP_WORDS = {"modifier", "selector", "component", "regional", "tag"}


def emoji_label(name: str) -> tuple[str, str]:
    """("red apple", "apple") from "RED APPLE"; ("face with tears of joy", "face")."""
    phrase = name.lower().replace("-", " ").strip()
    thing = phrase.split(" with ")[0].split(" and ")[0]
    words = thing.split()
    if not words or _SKIP_WORDS & set(phrase.split()):
        return "", ""
    if "of" in words[:-1]:
        head = words[words.index("of") + 1:][-1]
    else:
        head = words[-1]
    return phrase, head


def emoji_codepoints() -> list[int]:
    return [c for a, b in RANGES for c in range(a, b + 1) if unicodedata.name(chr(c), None)]


def _covered(path: Path) -> set[int]:
    from fontTools.ttLib import TTFont

    return set(TTFont(str(path), lazy=True).getBestCmap())


def draw_emoji(character: str, font_name: str, out: Path) -> Path:
    """``character`` in one of ``FONTS``, centred on white, saved as a SIZE x SIZE PNG."""
    from PIL import Image, ImageDraw, ImageFont

    _, path, size, colour = FONTS[font_name]
    font = ImageFont.truetype(str(path), size)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), character, font=font,
                                              embedded_color=colour)
    width, height = max(right - left, 1), max(bottom - top, 1)
    side = int(max(width, height) * 1.15) + 2
    canvas = Image.new("RGBA" if colour else "RGB", (side, side), "white")
    draw = ImageDraw.Draw(canvas)
    at = ((side - width) / 2 - left, (side - height) / 2 - top)
    if colour:
        draw.text(at, character, font=font, embedded_color=True)
    else:
        draw.text(at, character, font=font, fill="black")
    # Unifont's glyphs are pixel art: scaled by whole pixels, not smoothed.
    resample = (Image.Resampling.NEAREST if font_name == "unifont"
                else Image.Resampling.LANCZOS)
    picture = canvas.convert("RGB").resize((SIZE, SIZE), resample)
    out.parent.mkdir(parents=True, exist_ok=True)
    picture.save(out)
    return out


def draw_emoji_set(folder: Path, progress: ProgressCallback = no_progress,
                   cancel: CancelToken = NEVER_CANCELLED) -> list[dict]:
    """Every named emoji in every font that has it, drawn into ``folder``; a record per
    drawing (path, label, head, name, font). Drawings already there are reused."""
    missing = [f"{package} ({path})" for package, path, _, _ in FONTS.values()
               if not path.is_file()]
    if missing:
        raise EngineError("The emoji fonts are not installed: " + ", ".join(missing) + ".",
                          "Install them: apt-get install fonts-noto-color-emoji "
                          "fonts-symbola fonts-unifont")
    try:
        covered = {name: _covered(path) for name, (_, path, _, _) in FONTS.items()}
    except ImportError:
        raise EngineError("Reading the fonts' character maps needs fontTools.",
                          "Install it: .venv/bin/pip install fonttools") from None
    records = []
    codepoints = emoji_codepoints()
    for i, code in enumerate(codepoints):
        if i % 50 == 0:
            cancel.raise_if_cancelled()
            progress(Progress(i / len(codepoints), f"Drawing emoji {i:,} of "
                                                   f"{len(codepoints):,}"))
        name = unicodedata.name(chr(code))
        label, head = emoji_label(name)
        if not head:
            continue
        for font_name in FONTS:
            if code not in covered[font_name]:
                continue
            out = folder / font_name / f"U+{code:05X}.png"
            if not out.is_file():
                draw_emoji(chr(code), font_name, out)
            records.append({"path": str(out), "label": label, "head": head,
                            "text": name, "font": font_name})
    return records
