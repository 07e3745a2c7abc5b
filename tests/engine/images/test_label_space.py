"""The image-label space: WSABIE's label vectors as a space a request can name."""

import numpy as np

from engine.images.atlas import load_atlas
from engine.images.label_space import NAME, converted_label_space, label_space
from engine.images.shipped import load_models
from engine.spaces.named import is_space_name, named_spaces


def test_the_label_space_holds_every_seen_label_most_pictured_first():
    models = load_models()
    space = label_space(models, load_atlas())
    assert set(space.keys) == set(models.labels) and space.kind == "image-labels"
    counts = space.metadata["count"]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    row = models.labels.index(space.keys[0])
    assert np.allclose(space.vector(space.keys[0]), models.wsabie_W[row], atol=1e-3)


def test_it_is_a_named_space_saved_once(tmp_path):
    assert is_space_name(NAME)
    entry = next(e for e in named_spaces() if e.name == NAME)
    assert entry.kind == "image-labels" and entry.available
    folder = converted_label_space(tmp_path / NAME)
    stamp = (folder / "manifest.json").stat().st_mtime_ns
    assert converted_label_space(tmp_path / NAME) == folder
    assert (folder / "manifest.json").stat().st_mtime_ns == stamp  # not saved again


def test_neighbours_in_the_label_space_from_the_cli(capsys, tmp_path, monkeypatch):
    import json

    from engine.__main__ import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    label = load_models().labels[0]
    assert main(["words", "neighbours", label, "--space", NAME, "-k", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 5 and label not in [n["word"] for n in out]
