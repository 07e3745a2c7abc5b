"""Reading any picture a user drops as the encoder's 224 x 224 RGB input.

Pillow reads the file (an SVG is rasterised first, with cairosvg). Whatever its mode
(palette, CMYK, 16-bit grey, transparency), the image becomes 8-bit RGB on white, the
way a drawing on paper looks; an animated GIF or WebP gives its first frame. The whole
picture is kept: it is padded to a square with white and scaled (clip-art and emoji
would lose their edges to ImageNet's centre crop). A file that is not a picture, a
truncated one, or one so large it would fill memory is an ``EngineError`` naming the
file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.errors import EngineError

# Pillow refuses more pixels than this as a "decompression bomb"; a 20k x 20k picture
# (400 MP, 1.2 GB as RGB) is over it, and is read through ``draft`` or refused.
MAX_PIXELS = 178_956_970
_HINT = "Use a PNG, JPEG, GIF, WebP, BMP or TIFF picture."


SVG_SUFFIXES = (".svg", ".svgz")
# Every suffix load_rgb reads: what a folder of pictures is searched for.
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff",
                    *SVG_SUFFIXES)


def _rasterise_svg(path: Path, width: int):
    """An SVG drawn ``width`` pixels wide, as a Pillow image (RGBA)."""
    import io

    from PIL import Image

    try:
        import cairosvg
    except (ImportError, OSError) as e:  # OSError: the cairo library itself is missing
        raise EngineError(f"Drawing {path.name} needs cairosvg and the cairo library "
                          f"({e}).", "Install them: .venv/bin/pip install cairosvg; "
                          "apt-get install libcairo2") from None
    try:
        try:
            png = cairosvg.svg2png(url=str(path), output_width=width)
        except Exception as e:  # noqa: BLE001
            if type(e).__name__ != "EntitiesForbidden":
                raise
            # Illustrator's SVGs declare internal XML entities (&ns_svg;), which the
            # defused parser refuses; the drawing itself is fine.
            png = cairosvg.svg2png(url=str(path), output_width=width, unsafe=True)
    except FileNotFoundError:
        raise EngineError(f"{path}: no such file.", "Check the path.") from None
    except Exception as e:  # noqa: BLE001 - cairosvg raises XML, value and type errors
        raise EngineError(f"{path} is not a readable SVG drawing ({type(e).__name__}: "
                          f"{e}).", "Open it in a drawing program and save it again, or "
                          "export it as PNG.") from None
    return Image.open(io.BytesIO(png))


def _open(path: Path):
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(path)
    except FileNotFoundError:
        raise EngineError(f"{path}: no such file.", "Check the path.") from None
    except IsADirectoryError:
        raise EngineError(f"{path} is a folder, not a picture.",
                          "Pick the pictures inside it.") from None
    except UnidentifiedImageError:
        raise EngineError(f"{path} is not a picture Pillow can read.", _HINT) from None
    except Image.DecompressionBombError as e:
        raise EngineError(f"{path} is too large to read safely ({e}).",
                          "Scale it down below 180 megapixels first.") from None
    except OSError as e:  # a header cut short, or unreadable
        raise EngineError(f"{path} is damaged or truncated, or cannot be read ({e}).",
                          _HINT) from None
    return image


def load_rgb(path: Path | str, size: int = 224) -> np.ndarray:
    """``size`` x ``size`` x 3 uint8 RGB: the picture on white, padded square, scaled."""
    from PIL import Image

    path = Path(path)
    if path.suffix.lower() in SVG_SUFFIXES:
        image = _rasterise_svg(path, 2 * size)
    else:
        image = _open(path)
    try:
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)  # animated: the first frame
        # JPEGs decode at 1/2 .. 1/8 scale directly: a 20k x 20k photo stays cheap.
        image.draft("RGB", (size * 2, size * 2))
        image.load()
        image = _on_white(image)
    except Image.DecompressionBombError as e:
        raise EngineError(f"{path} is too large to read safely ({e}).",
                          "Scale it down below 180 megapixels first.") from None
    except (OSError, ValueError, SyntaxError) as e:  # truncated or damaged data
        raise EngineError(f"{path} is damaged or truncated ({e}).", _HINT) from None
    width, height = image.size
    if width == 0 or height == 0:
        raise EngineError(f"{path} is an empty picture (0 pixels).", _HINT)
    side = max(width, height)
    square = Image.new("RGB", (side, side), (255, 255, 255))
    square.paste(image, ((side - width) // 2, (side - height) // 2))
    square = square.resize((size, size), Image.Resampling.BICUBIC, reducing_gap=3.0)
    return np.asarray(square, dtype=np.uint8)


def _on_white(image):
    """Any Pillow mode as 8-bit RGB, transparent parts on white."""
    from PIL import Image

    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit or float grey: stretch its own range into 8 bits.
        values = np.asarray(image, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / max(high - low, 1e-12))
        image = Image.fromarray(scaled.astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")
