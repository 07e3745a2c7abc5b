"""Emoji in three fonts: labels from Unicode names, one drawing per font that has it."""

import numpy as np
import pytest

from engine.images.emoji import FONTS, draw_emoji, emoji_codepoints, emoji_label

fonts_missing = [p for _, p, _, _ in FONTS.values() if not p.is_file()]


@pytest.mark.parametrize("name, label, head", [
    ("RED APPLE", "red apple", "apple"),
    ("BANANA", "banana", "banana"),
    ("FACE WITH TEARS OF JOY", "face with tears of joy", "face"),
    ("BOWL WITH SPOON", "bowl with spoon", "bowl"),
    ("EMOJI MODIFIER FITZPATRICK TYPE-1-2", "", ""),
])
def test_labels_from_unicode_names(name, label, head):
    assert emoji_label(name) == (label, head)


def test_the_emoji_blocks_hold_named_pictographs():
    codes = emoji_codepoints()
    assert 0x1F34C in codes and len(codes) > 1000  # BANANA among them


@pytest.mark.skipif(bool(fonts_missing), reason="emoji fonts not installed (setup.sh does)")
@pytest.mark.parametrize("font", list(FONTS))
def test_each_font_draws_a_banana_centred_on_white(tmp_path, font):
    from PIL import Image

    path = draw_emoji("\U0001F34C", font, tmp_path / f"{font}.png")
    rgb = np.asarray(Image.open(path).convert("RGB"))
    assert rgb.shape == (224, 224, 3)
    ink = (rgb < 200).any(axis=2)
    assert 0.01 < ink.mean() < 0.8  # something is drawn, on a white ground
    assert (rgb[0, 0] == 255).all() and (rgb[-1, -1] == 255).all()
    rows, cols = np.nonzero(ink)
    assert abs(rows.mean() - 112) < 40 and abs(cols.mean() - 112) < 40  # centred
    if font == "noto":
        assert (rgb[ink][:, 0] > rgb[ink][:, 2] + 40).mean() > 0.3  # yellow: colour kept
