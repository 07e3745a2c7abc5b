import json

import numpy as np
import pytest

from engine.audio.dataset import SPLITS, build_dataset, load_dataset, split_voices
from engine.audio.voices import Voice
from engine.errors import EngineError
from engine.jobs import Cancelled, CancelToken

WORDS = ["house", "water", "garden", "people", "country", "between", "river", "window",
         "yellow", "orange", "table", "summer"]
VOICES = [Voice("espeak-ng", "en-us"), Voice("espeak-ng", "en-us+f2"),
          Voice("espeak-ng", "en"), Voice("espeak-ng", "en+f2"),
          Voice("espeak-ng", "en-gb-scotland"), Voice("espeak-ng", "en-gb-scotland+f2"),
          Voice("flite", "kal16"), Voice("flite", "rms"), Voice("festival", "ked"),
          Voice("flite", "awb")]


def build(folder, **kw):
    return build_dataset(folder, n_heard=8, n_held_out=3, espeak_per_word=2,
                         espeak_tests_per_word=1, voices=VOICES, words=WORDS, **kw)


def test_voice_splits_hold_out_whole_accents_variants_and_speakers():
    split, held = split_voices(VOICES, seed=0)
    assert split == split_voices(VOICES, seed=0)[0]
    accent = held["espeak_accent"]
    for v in VOICES:
        if v.engine == "espeak-ng" and v.name.split("+")[0] == accent:
            assert split[v.key] == "test"
    assert len(held["speakers"]) == 2
    assert "train" in split.values() and "test" in split.values()
    # kal is never held out: it trains with two synthesisers
    assert split["flite:kal16"] == "train"


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spoken") / "set"
    report = build(folder)
    return folder, report


def test_held_out_words_and_voices_never_train(tiny_set):
    folder, report = tiny_set
    d = load_dataset(folder)
    assert len(d) == report["clips"] > 0
    train = d.rows("train")
    assert (d.clip_word[train] < d.n_heard).all()  # held-out words: test voices only
    assert {d.voice_split[v] for v in d.clip_voice[train]} == {"train"}
    test = d.rows("test")
    assert {d.voice_split[v] for v in d.clip_voice[test]} == {"test"}
    assert len(d.rows("test", heard=False)) == report["test_clips_held_out_words"] > 0
    assert set(d.words) <= set(WORDS) and len(d.words) == 11


def test_clips_are_the_voiced_part_of_real_speech(tiny_set):
    d = load_dataset(tiny_set[0])
    for i in range(0, len(d), 7):
        clip = d.clip(i)
        assert 0.15 < len(clip) / 16000 < 2.0
        assert np.abs(clip).max() > 0.05
        assert np.abs(clip[:200]).max() < np.abs(clip).max() / 3  # margins are quiet


def test_the_manifest_records_seeds_and_how_to_rebuild(tiny_set):
    data = json.loads((tiny_set[0] / "dataset.json").read_text())
    manifest = data["manifest"]
    assert manifest["rebuild"] == "python -m engine audio build-dataset"
    assert manifest["choices"]["seed"] == 0
    assert manifest["choices"]["held_out"]["speakers"]
    assert manifest["sources"]["packages"]["espeak-ng"] != "not installed"
    assert set(SPLITS) == {v["split"] for v in data["voices"]}


def test_a_cancelled_rebuild_leaves_the_old_set_whole(tiny_set, tmp_path):
    import shutil

    folder = tmp_path / "set"
    shutil.copytree(tiny_set[0], folder)
    before = (folder / "clips.npz").read_bytes()
    cancel = CancelToken()
    seen = []

    def progress(p):
        seen.append(p)
        if len(seen) > 1:
            cancel.cancel()

    with pytest.raises(Cancelled):
        build(folder, progress=progress, cancel=cancel)
    assert (folder / "clips.npz").read_bytes() == before
    assert len(load_dataset(folder)) == len(load_dataset(tiny_set[0]))
    assert not (tmp_path / "set.building").exists()


def test_a_missing_or_damaged_set_says_how_to_rebuild(tmp_path, tiny_set):
    import shutil

    with pytest.raises(EngineError, match="No spoken-word set") as e:
        load_dataset(tmp_path / "nothing")
    assert "build-dataset" in e.value.hint
    folder = tmp_path / "damaged"
    shutil.copytree(tiny_set[0], folder)
    samples = folder / "samples.int16"
    samples.write_bytes(samples.read_bytes()[:1000])
    with pytest.raises(EngineError, match="shorter"):
        load_dataset(folder)
