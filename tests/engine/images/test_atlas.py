"""The shipped thumbnail atlas: it matches the shipped models, its tiles are pictures,
and a missing, damaged or stale atlas says how to rebuild it."""

import json
import shutil

import numpy as np
import pytest

from engine.errors import EngineError
from engine.images.atlas import THUMBNAILS, load_atlas, short_name
from engine.images.shipped import DEFAULT_MODELS, load_models


def test_the_shipped_atlas_matches_the_shipped_models():
    atlas = load_atlas()
    models = load_models()
    assert len(atlas) > 1000 and atlas.vectors.shape == (len(atlas), models.wsabie_V.shape[0])
    tile = atlas.tile_of(len(atlas) - 1)
    assert tile.shape == (atlas.tile, atlas.tile, 3) and tile.dtype == np.uint8
    assert tile.std() > 0  # a drawn picture, not the blank past the last one
    assert {p["split"] for p in atlas.pictures} >= {"train", "zero-shot"}
    seen = set(models.labels)
    trained = [p["head"] for p in atlas.pictures if p["split"] == "train"]
    # Training pictures whose label the word space lacks are left out of training.
    assert trained and sum(h in seen for h in trained) > 0.9 * len(trained)


def test_a_picture_lies_nearer_its_own_label_than_most():
    """The vectors are WSABIE's embedding: training pictures score their label high."""
    atlas = load_atlas()
    models = load_models()
    row = {label: i for i, label in enumerate(models.labels)}
    train = [i for i, p in enumerate(atlas.pictures)
             if p["split"] == "train" and p["head"] in row][:300]
    scores = atlas.vectors[train] @ models.wsabie_W.T
    ranks = [(scores[n] > scores[n, row[atlas.pictures[i]["head"]]]).sum()
             for n, i in enumerate(train)]
    assert np.median(ranks) < 10  # of 800+ labels


def test_missing_damaged_and_stale_atlases_say_how_to_rebuild(tmp_path):
    with pytest.raises(EngineError, match="missing") as missing:
        load_atlas(tmp_path / "none")
    assert "build-atlas" in missing.value.hint
    copy = tmp_path / "atlas"
    shutil.copytree(THUMBNAILS, copy)
    index = json.loads((copy / "pictures.json").read_text())
    index["models_sha256"] = "0" * 64
    (copy / "pictures.json").write_text(json.dumps(index))
    with pytest.raises(EngineError, match="other image models"):
        load_atlas(copy, DEFAULT_MODELS)
    (copy / "vectors.npy").write_bytes(b"not numpy")
    with pytest.raises(EngineError, match="cannot be read"):
        load_atlas(copy, DEFAULT_MODELS)


def test_short_names_keep_the_style_of_an_emoji():
    assert short_name("/usr/share/tuxpaint/stamps/animals/crow.png", "tuxpaint") == "crow.png"
    assert short_name("/cache/emoji/noto/U+1F42C.png", "emoji-noto") == "noto: U+1F42C.png"
