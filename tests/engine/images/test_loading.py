"""Every kind of picture a user may drop: read as 224 x 224 RGB on white, or a clear
error naming the file."""

import struct
import zlib

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

from engine.errors import EngineError  # noqa: E402
from engine.images.loading import load_rgb  # noqa: E402


def red_square(mode="RGB", size=(40, 20)):
    image = Image.new("RGB", size, (255, 0, 0))
    return image if mode == "RGB" else image.convert(mode)


@pytest.mark.parametrize("name, make", [
    ("plain.png", lambda: red_square()),
    ("photo.jpg", lambda: red_square()),
    ("cmyk.jpg", lambda: red_square("CMYK")),
    ("palette.png", lambda: red_square("P")),
    ("grey.bmp", lambda: red_square("L")),
    ("picture.webp", lambda: red_square()),
    ("picture.tiff", lambda: red_square()),
])
def test_common_formats_and_modes_become_rgb(tmp_path, name, make):
    path = tmp_path / name
    make().save(path)
    rgb = load_rgb(path)
    assert rgb.shape == (224, 224, 3) and rgb.dtype == np.uint8
    centre = rgb[112, 112].astype(int)
    if name != "grey.bmp":
        assert centre[0] > 200 and centre[1] < 60 and centre[2] < 60  # still red
    # A 40 x 20 picture is padded square with white, not stretched or cropped.
    assert (rgb[5, 112] >= 250).all() and (rgb[-5, 112] >= 250).all()


def test_transparency_lands_on_white(tmp_path):
    image = Image.new("RGBA", (30, 30), (0, 0, 255, 0))
    image.paste((0, 0, 255, 255), (10, 10, 20, 20))
    image.save(tmp_path / "t.png")
    rgb = load_rgb(tmp_path / "t.png")
    assert (rgb[5, 5] >= 250).all()  # transparent: white, not black or blue
    assert rgb[112, 112, 2] > 200 and rgb[112, 112, 0] < 60


def test_sixteen_bit_grey_is_stretched_into_eight_bits(tmp_path):
    values = np.tile(np.linspace(0, 65535, 64, dtype=np.uint16), (64, 1))
    Image.fromarray(values).save(tmp_path / "deep.png")
    rgb = load_rgb(tmp_path / "deep.png")
    assert rgb[112, 2, 0] < 20 and rgb[112, 221, 0] > 235


def test_an_animated_gif_gives_its_first_frame(tmp_path):
    frames = [Image.new("RGB", (16, 16), c) for c in ((0, 200, 0), (200, 0, 0))]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    rgb = load_rgb(tmp_path / "a.gif")
    assert rgb[112, 112, 1] > 150 and rgb[112, 112, 0] < 60


def test_not_a_picture_and_truncated_files_name_the_file(tmp_path):
    (tmp_path / "notes.png").write_text("just text")
    with pytest.raises(EngineError, match="notes.png is not a picture"):
        load_rgb(tmp_path / "notes.png")
    red_square(size=(200, 200)).save(tmp_path / "whole.jpg")
    data = (tmp_path / "whole.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    with pytest.raises(EngineError, match="cut.jpg is damaged or truncated"):
        load_rgb(tmp_path / "cut.jpg")
    with pytest.raises(EngineError, match="no such file"):
        load_rgb(tmp_path / "missing.png")
    with pytest.raises(EngineError, match="is a folder"):
        load_rgb(tmp_path)


def _png_claiming(width, height):
    """A PNG header announcing width x height (no pixels follow)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_a_twenty_thousand_pixel_square_is_refused_before_it_is_decoded(tmp_path):
    (tmp_path / "huge.png").write_bytes(_png_claiming(20_000, 20_000))
    with pytest.raises(EngineError, match="huge.png is too large to read safely"):
        load_rgb(tmp_path / "huge.png")


def test_an_svg_is_drawn_and_a_broken_one_is_named(tmp_path):
    (tmp_path / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
        '<rect x="5" y="0" width="10" height="10" fill="#00c000"/></svg>')
    rgb = load_rgb(tmp_path / "dot.svg")
    assert rgb.shape == (224, 224, 3)
    assert rgb[112, 112, 1] > 150 and rgb[112, 112, 0] < 60  # the green square
    assert (rgb[112, 5] >= 250).all()  # transparent margin: white
    (tmp_path / "bad.svg").write_text("<svg><unclosed")
    with pytest.raises(EngineError, match="bad.svg is not a readable SVG"):
        load_rgb(tmp_path / "bad.svg")


def test_an_svg_with_internal_entities_is_drawn(tmp_path):
    """Illustrator declares XML entities (&ns_svg;); a third of the stamps do."""
    (tmp_path / "e.svg").write_text(
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY ns_svg "http://www.w3.org/2000/svg">'
        ']><svg xmlns="&ns_svg;" width="10" height="10"><rect width="10" height="10" '
        'fill="#c00000"/></svg>')
    assert load_rgb(tmp_path / "e.svg")[112, 112, 0] > 150
