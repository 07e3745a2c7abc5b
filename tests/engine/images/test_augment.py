"""The restylings of training pictures, on a tiny drawing: a red square with a black
border on white."""

import numpy as np
import pytest

from engine.images.augment import (
    STYLES,
    greyscale,
    hue_rotated,
    ink,
    line_drawing,
    pixel_art,
)


def drawing(size=32):
    picture = np.full((size, size, 3), 255, dtype=np.uint8)
    picture[8:24, 8:24] = (0, 0, 0)  # border
    picture[10:22, 10:22] = (220, 30, 30)  # red inside
    return picture


@pytest.mark.parametrize("style", list(STYLES))
def test_every_style_keeps_shape_and_dtype_and_white_background(style):
    out = STYLES[style](drawing())
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8
    assert (out[0, 0] == 255).all()  # the paper stays white
    assert STYLES[style](drawing()).tobytes() == out.tobytes()  # deterministic


def test_styles_refuse_what_is_not_an_rgb_picture():
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        greyscale(np.zeros((4, 4), dtype=np.uint8))


def test_greyscale_has_equal_channels_and_the_reds_luma():
    out = greyscale(drawing())
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    # ITU-R 601: 0.299 R + 0.587 G + 0.114 B
    assert abs(int(out[16, 16, 0]) - round(0.299 * 220 + 0.587 * 30 + 0.114 * 30)) <= 1
    assert (out[8, 8] == 0).all()


def test_ink_is_black_and_white_only_with_dark_parts_black():
    out = ink(drawing())
    assert set(np.unique(out)) <= {0, 255}
    assert (out[8, 8] == 0).all()  # the black border
    assert (out[16, 16] == 0).all()  # red's luma (~87) is dark
    assert (ink(drawing(), threshold=50)[16, 16] == 255).all()


def test_line_drawing_draws_the_edges_and_leaves_flat_parts_white():
    out = line_drawing(drawing(), weight=1)
    assert set(np.unique(out)) <= {0, 255}
    assert (out[16, 16] == 255).all()  # inside the red: flat
    assert (out[2, 2] == 255).all()  # the paper: flat
    assert (out[8, 16] == 0).all() or (out[7, 16] == 0).all()  # the border's outer edge
    heavier = line_drawing(drawing(), weight=3)
    assert (heavier == 0).sum() > (out == 0).sum()  # a thicker pen


def test_pixel_art_is_blocks_of_cells():
    out = pixel_art(drawing(), cells=8)  # 4 x 4 pixel blocks
    assert set(np.unique(out)) <= {0, 255}
    blocks = out[..., 0].reshape(8, 4, 8, 4)
    assert (blocks == blocks[:, :1, :, :1]).all()  # every block one colour
    assert (out[16, 16] == 0).all() and (out[0, 0] == 255).all()


def test_hue_rotated_turns_red_to_cyan_and_keeps_greys():
    out = hue_rotated(drawing())
    r, g, b = (int(c) for c in out[16, 16])
    assert g > r + 100 and b > r + 100  # red -> cyan
    assert (out[8, 8] == 0).all()  # black stays black
