"""The default picture set: labels from the stamps' descriptions, seeded splits."""

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from engine.__main__ import main
from engine.errors import EngineError
from engine.images.dataset import (
    STAMPS_ROOT,
    Picture,
    assign_splits,
    build_dataset,
    label_of,
    load_dataset,
    read_stamps,
)


@pytest.mark.parametrize("description, label, head", [
    ("A crow.", "crow", "crow"),
    ("An albino peahen (a female peafowl, or peacock).", "albino peahen", "peahen"),
    ("A bunch of grapes.", "bunch of grapes", "grapes"),
    ("Bread, sliced, and shared by everyone.", "bread", "bread"),
    ("Tankers carry bulk liquids.", "tankers", "tankers"),
    ("A hot air balloon.", "hot air balloon", "balloon"),
    ("Not equal to.", "", ""),
])
def test_labels_and_head_nouns_from_descriptions(description, label, head):
    assert label_of(description) == (label, head)


REAL = ["animals/birds/crow", "food/fruit/banana", "food/fruit/lemon",
        "food/fruit/apple_red", "food/fruit/apple_green", "symbols/clock"]


@pytest.fixture
def some_stamps(tmp_path):
    """A handful of the real stamps (PNG and SVG) with their descriptions."""
    if not STAMPS_ROOT.is_dir():
        pytest.skip("tuxpaint-stamps-default is not installed (scripts/setup.sh does it)")
    root = tmp_path / "stamps"
    for stem in REAL:
        source = next(p for p in (STAMPS_ROOT / f"{stem}.png", STAMPS_ROOT / f"{stem}.svg")
                      if p.exists())
        target = root / source.relative_to(STAMPS_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
        shutil.copy(source.with_suffix(".txt"), target.with_suffix(".txt"))
    (root / "food" / "fruit" / "undescribed.png").write_bytes(b"no .txt beside it")
    return root


def test_real_stamps_are_read_with_label_category_and_text(some_stamps):
    pictures = {Path(p.path).stem: p for p in read_stamps(some_stamps)}
    assert set(pictures) == {Path(s).name for s in REAL}  # "undescribed" has no .txt
    crow = pictures["crow"]
    assert (crow.label, crow.head, crow.category) == ("crow", "crow", "animals/birds")
    assert crow.text == "A crow."
    assert pictures["apple_red"].head == pictures["apple_green"].head == "apple"
    assert pictures["clock"].path.endswith(".svg")


def test_build_writes_a_dataset_with_a_manifest_and_loads_back(some_stamps, tmp_path):
    report = build_dataset(tmp_path / "out" / "dataset.json", root=some_stamps, emoji=False)
    assert report["pictures"] == 6
    pictures, manifest = load_dataset(tmp_path / "out" / "dataset.json")
    assert len(pictures) == 6 and {p.split for p in pictures} <= {"train", "test", "zero-shot"}
    assert manifest["sources"][0]["package"] == "tuxpaint-stamps-default"
    assert manifest["rebuild"] == "python -m engine images build-dataset"
    data = json.loads((tmp_path / "out" / "dataset.json").read_text())
    assert data["manifest"]["choices"]["splits"]["seed"] == 0


def test_splits_hold_out_whole_labels_and_are_seeded():
    pictures = [Picture(f"/p/{h}{i}.png", h, h, f"A {h}.", "c", "tuxpaint")
                for h in (f"w{j}" for j in range(40)) for i in range(5)]
    a, b = assign_splits(pictures), assign_splits(pictures)
    assert [p.split for p in a] == [p.split for p in b]
    assert [p.split for p in a] != [p.split for p in assign_splits(pictures, seed=1)]
    by_head: dict[str, set] = {}
    for p in a:
        by_head.setdefault(p.head, set()).add(p.split)
    zero = [h for h, s in by_head.items() if "zero-shot" in s]
    assert len(zero) == 6 and all(by_head[h] == {"zero-shot"} for h in zero)
    counts = Counter(p.split for p in a)
    assert counts["test"] == 34 and counts["train"] == 136  # one of five of the others


def test_emoji_of_seen_labels_train_in_noto_and_test_in_the_other_styles():
    pictures = [Picture(f"/s/{h}.png", h, h, f"A {h}.", "c", "tuxpaint")
                for h in (f"w{j}" for j in range(40))]
    pictures += [Picture(f"/e/{font}/{h}.png", h, h, h.upper(), f"emoji/{font}",
                         f"emoji-{font}")
                 for h in (f"w{j}" for j in range(40)) for font in ("noto", "symbola",
                                                                   "unifont")]
    split = {(p.source, p.head): p.split for p in assign_splits(pictures)}
    held = {h for (source, h), s in split.items() if s == "zero-shot" and source == "tuxpaint"}
    assert held  # whole labels held out, in every style
    for h in (f"w{j}" for j in range(40)):
        if h in held:
            assert {split[(s, h)] for s in ("emoji-noto", "emoji-symbola",
                                             "emoji-unifont")} == {"zero-shot"}
        else:
            assert split[("emoji-noto", h)] == "train"
            assert split[("emoji-symbola", h)] == split[("emoji-unifont", h)] == "style-test"


def test_missing_stamps_and_a_missing_dataset_say_what_to_do(tmp_path):
    with pytest.raises(EngineError, match="apt-get install tuxpaint-stamps-default"):
        read_stamps(tmp_path / "nowhere")
    with pytest.raises(EngineError, match="python -m engine images build-dataset"):
        load_dataset(tmp_path / "none.json")


def test_the_cli_builds_the_real_set(tmp_path, capsys):
    if not STAMPS_ROOT.is_dir():
        pytest.skip("tuxpaint-stamps-default is not installed")
    assert main(["images", "build-dataset", "--out", str(tmp_path / "d.json"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pictures"] > 900 and report["heads"] > 400
    assert report["zero-shot"] > 0 and report["test"] > 0
