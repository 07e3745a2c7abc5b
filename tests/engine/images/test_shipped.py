"""The shipped image-label models: they load, they match their labels, every model
labels a picture, and a missing bundle says how to rebuild it."""

import shutil

import numpy as np
import pytest

pytest.importorskip("torch")

from engine.errors import EngineError  # noqa: E402
from engine.images.shipped import DEFAULT_MODELS, load_models, wordnet_nouns  # noqa: E402


def test_the_shipped_bundle_loads_and_matches_its_labels():
    models = load_models()
    n = len(models.labels)
    assert n > 300 and models.classifier_weights.shape == (n, 1280)
    assert models.wsabie_W.shape[0] == n and models.wsabie_V.shape[1] == 1280
    assert models.devise_M.shape[1] == 1280
    assert models.manifest["rebuild"] == "python -m engine images build-default-models"


def test_every_model_labels_a_picture(tmp_path, capsys):
    import json

    from PIL import Image

    from engine.__main__ import main

    Image.new("RGB", (64, 64), (30, 90, 200)).save(tmp_path / "blue.png")
    assert main(["images", "label", str(tmp_path / "blue.png"), "-k", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)[str(tmp_path / "blue.png")]
    assert set(out) == {"classifier", "wsabie", "conse", "devise", "imagenet"}
    assert all(len(labels) == 4 for labels in out.values())
    nouns = wordnet_nouns()
    assert all(label["label"] in nouns or label["label"] in load_models().labels
               for label in out["conse"] + out["devise"])


def test_a_damaged_or_missing_bundle_says_how_to_rebuild(tmp_path):
    with pytest.raises(EngineError, match="build-default-models"):
        load_models(tmp_path / "nowhere")
    shutil.copytree(DEFAULT_MODELS, tmp_path / "copy")
    (tmp_path / "copy" / "labels.json").write_text('["only", "two"]')
    with pytest.raises(EngineError, match="do not match their labels"):
        load_models(tmp_path / "copy")
    assert np.isfinite(load_models().wsabie_V).all()
