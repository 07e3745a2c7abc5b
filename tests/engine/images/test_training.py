"""Training the image models one after the other on a tiny planted picture set: losses
fall, each model beats chance on held-out pictures, reports name their model, a saved
bundle loads, cancelling stops it, bad choices are refused before anything starts."""

import numpy as np
import pytest

pytest.importorskip("torch")

from engine import api  # noqa: E402
from engine.engine import Engine, lane_of  # noqa: E402
from engine.errors import EngineError  # noqa: E402
from engine.images.shipped import load_models  # noqa: E402
from engine.images.training import MODELS, train_image_models  # noqa: E402
from engine.jobs import Cancelled, CancelToken  # noqa: E402
from tests.engine.images.planted import planted_picture_set  # noqa: E402

EPOCHS = 5


@pytest.fixture(scope="module")
def planted():
    return planted_picture_set()


@pytest.fixture(scope="module")
def trained(planted, tmp_path_factory):
    """Every model trained once, the bundle saved, and every progress report kept."""
    out = tmp_path_factory.mktemp("bundles") / "planted"
    reports = []
    result = train_image_models(*planted, epochs=EPOCHS, progress=reports.append, out=out)
    return result, reports, out


def test_every_model_learns_and_beats_chance_on_held_out_pictures(trained):
    result, _, _ = trained
    assert set(result["models"]) == set(MODELS)
    assert result["labels"] == 20
    assert result["training_pictures"] == 20 * 6 and result["training_rows"] == 2 * 20 * 6
    for name, model in result["models"].items():
        losses = model["losses"]
        assert len(losses) >= 3 and all(np.isfinite(losses)), name
        assert losses[-1] < 0.8 * losses[0], name
        assert model["held_out"]["precision_at_1"] > 0.5, name  # chance: 1 in 20
        assert model["held_out"]["precision_at_10"] >= model["held_out"]["precision_at_1"]
        assert model["other_style"]["precision_at_10"] > 0.6, name  # chance: 0.5
        assert model["seconds"] >= 0


def test_reports_say_which_model_its_epoch_and_loss_then_its_scores(trained):
    result, reports, _ = trained
    fractions = [p.fraction for p in reports]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    epochs = [p.stats for p in reports if "epoch" in p.stats]
    assert {s["model"] for s in epochs} == set(MODELS)
    assert all(set(s) == {"model", "epoch", "epochs", "loss"} for s in epochs)
    warp = [s["epoch"] for s in epochs if s["model"] == "wsabie_warp"]
    assert warp == list(range(1, EPOCHS + 1))
    # The full-batch models take 7.5 steps per epoch: 38 for 5, reported at 1, 20, 38.
    assert [s["epoch"] for s in epochs if s["model"] == "classifier"] == [1, 20, 38]
    scores = [p.stats for p in reports if "scores" in p.stats]
    assert [s["model"] for s in scores] == list(MODELS)
    for s in scores:
        assert s["scores"]["model"] == s["model"]
        assert s["scores"]["held_out"] == result["models"][s["model"]]["held_out"]
        assert s["scores"]["other_style"] == result["models"][s["model"]]["other_style"]


def test_the_saved_bundle_loads_with_the_training_labels(trained, planted):
    result, _, out = trained
    assert result["out"] == str(out)
    models = load_models(out)
    assert models.labels == tuple(f"thing{i}" for i in sorted(range(20), key=str))
    assert models.classifier_weights.shape == (20, 1280)
    assert models.wsabie_W.shape[0] == 20 and models.devise_M.shape == (16, 1280)
    assert models.manifest["trained_on"]["epochs"] == EPOCHS
    assert [p.name for p in out.parent.iterdir()] == ["planted"]  # no temporary folder left
    pictures, features, _ = planted
    test = [i for i, p in enumerate(pictures) if p.split == "test"]
    guess = models.classifier.scores(features.features[test]).argmax(axis=1)
    truth = [models.labels.index(pictures[i].head) for i in test]
    assert (guess == truth).mean() > 0.5


def test_some_models_only_and_no_bundle(planted):
    result = train_image_models(*planted, models=("wsabie_hinge", "classifier"), epochs=2)
    assert list(result["models"]) == ["classifier", "wsabie_hinge"]  # in training order
    assert result["out"] is None


def test_cancelling_raises_cancelled_and_saves_nothing(planted, tmp_path):
    token = CancelToken()

    def cancel_in_wsabie(p):
        if p.stats.get("model") == "wsabie_warp":
            token.cancel()

    with pytest.raises(Cancelled):
        train_image_models(*planted, epochs=EPOCHS, progress=cancel_in_wsabie, cancel=token,
                           out=tmp_path / "never")
    assert not (tmp_path / "never").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("models, epochs, match", [
    (("classifier", "svm"), 5, "Unknown image model: 'svm'"),
    ((), 5, "No image model"),
    (("classifier",), 0, "at least 1"),
    (("classifier",), 2.5, "whole number"),
])
def test_bad_choices_are_refused(planted, models, epochs, match):
    with pytest.raises(EngineError, match=match):
        train_image_models(*planted, models=models, epochs=epochs)


def test_a_bundle_needs_its_three_models_and_a_free_folder(planted, tmp_path):
    with pytest.raises(EngineError, match="devise would not be trained"):
        train_image_models(*planted, models=("classifier", "wsabie_warp"), out=tmp_path / "b")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    with pytest.raises(EngineError, match="holds other files"):
        train_image_models(*planted, epochs=1, out=tmp_path / "notes")
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep me"


def test_the_request_runs_on_the_training_lane_and_checks_before_loading():
    assert lane_of(api.TrainImageModels()) == "training"
    engine = Engine()
    with pytest.raises(EngineError, match="Unknown image model"):
        engine.handle(api.TrainImageModels(models=("nope",)))
    with pytest.raises(EngineError, match="at least 1"):
        engine.handle(api.TrainImageModels(epochs=0))
    with pytest.raises(EngineError, match="shipped image models"):
        from engine.images.shipped import DEFAULT_MODELS

        engine.handle(api.TrainImageModels(out=DEFAULT_MODELS))


def test_saving_again_replaces_the_bundle_whole(trained, tmp_path):
    from dataclasses import replace

    _, _, out = trained
    first = load_models(out)
    copy = tmp_path / "copy"
    first.save(copy)
    fewer = replace(first, labels=first.labels[:5], classifier_weights=first.classifier_weights[:5],
                    classifier_bias=first.classifier_bias[:5], wsabie_W=first.wsabie_W[:5])
    fewer.save(copy)
    assert load_models(copy).labels == first.labels[:5]
    assert [p.name for p in tmp_path.iterdir()] == ["copy"]  # no temporary folder left
    assert sorted(p.name for p in copy.iterdir()) == ["labels.json", "manifest.json",
                                                       "models.npz"]
