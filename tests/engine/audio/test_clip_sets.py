"""A user's own clips: both folder layouts and a CSV read with every file's word, files
that cannot be used listed with their reason, and the clips scored by the tiny models
(heard words by the classifier and by spelling, held-out words by spelling)."""

import csv
import json

import numpy as np
import pytest
import soundfile
from scipy.signal import resample_poly

from engine import api
from engine.__main__ import main
from engine.audio.clip_sets import read_clip_set, word_of_name
from engine.audio.signal import SAMPLE_RATE
from engine.engine import Engine
from engine.errors import EngineError


def test_a_take_number_is_not_part_of_the_word():
    assert word_of_name("water") == "water"
    assert word_of_name("Water-2") == "water"
    assert word_of_name("water_03") == "water"
    assert word_of_name("ice cream 4") == "ice cream"
    assert word_of_name("007") == ""


def clip_of(data, split: str, word: str, n: int = 0) -> np.ndarray:
    rows = data.rows(split)
    return data.clip(int(rows[data.clip_word[rows] == data.words.index(word)][n]))


@pytest.fixture
def user_folder(trained, tmp_path):
    """Files named by word at the top, a folder named by word, a file at 8 kHz, a word the
    models never heard, and two files the set cannot use. Returns the folder and the
    words: three heard, one held out."""
    data, _ = trained
    a, b, c = data.words[:3]
    held_out = data.words[data.n_heard]
    root = tmp_path / "my-words"
    (root / b).mkdir(parents=True)
    soundfile.write(root / f"{a}.wav", clip_of(data, "train", a), SAMPLE_RATE)
    soundfile.write(root / f"{a}-2.flac", clip_of(data, "train", a, 1), SAMPLE_RATE,
                    format="FLAC")
    soundfile.write(root / b / "take1.wav", clip_of(data, "train", b), SAMPLE_RATE)
    low = resample_poly(clip_of(data, "train", c), 1, 2)
    soundfile.write(root / f"{c}_3.wav", low, 8000)
    soundfile.write(root / f"{held_out}.wav", clip_of(data, "test", held_out), SAMPLE_RATE)
    soundfile.write(root / "42.wav", clip_of(data, "train", a), SAMPLE_RATE)
    (root / f"{data.words[3]}.wav").write_bytes(b"RIFF....WAVEjunk")
    (root / "notes.txt").write_text("not a sound")
    return root, (a, b, c, held_out, data.words[3])


def test_a_folder_names_each_clip_by_file_or_folder(user_folder):
    root, (a, b, c, held_out, corrupt) = user_folder
    clip_set = read_clip_set(root)
    words = {x.path.name: x.word for x in clip_set.clips}
    assert words == {f"{a}.wav": a, f"{a}-2.flac": a, "take1.wav": b, f"{c}_3.wav": c,
                     f"{held_out}.wav": held_out, f"{corrupt}.wav": corrupt}
    assert [why for _, why in clip_set.skipped] == ["no word in its name"]  # 42.wav


def test_a_csv_names_each_clip_and_its_speaker(user_folder):
    root, (a, b, *_) = user_folder
    with open(root / "clips.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "word", "speaker"])
        writer.writerow([f"{a}.wav", a.upper(), "ana"])
        writer.writerow([f"{b}/take1.wav", b, "ben"])
        writer.writerow(["42.wav", "", "ana"])
    clip_set = read_clip_set(root / "clips.csv")
    assert [(x.path.name, x.word, x.speaker) for x in clip_set.clips] == [
        (f"{a}.wav", a, "ana"), ("take1.wav", b, "ben")]
    assert len(clip_set.skipped) == 1


def test_nothing_usable_is_a_clear_error(tmp_path):
    (tmp_path / "readme.txt").write_text("no sounds here")
    with pytest.raises(EngineError, match="no sound files named by word"):
        read_clip_set(tmp_path)
    with pytest.raises(EngineError, match="neither a folder nor a CSV"):
        read_clip_set(tmp_path / "missing")


def test_the_clips_are_scored_and_the_bad_one_listed(user_folder, tiny_audio_models):
    root, (a, b, c, held_out, corrupt) = user_folder
    report = Engine().handle(api.EvaluateAudioModels(tiny_audio_models, clips=root))
    assert report["clips"] == 5 and report["words"] == 4
    heard = report["heard_words"]
    assert heard["classifier"]["clips"] == 4 and heard["letters"]["clips"] == 4
    assert heard["classifier"]["top1"] >= 0.75  # training clips: the tiny models know them
    assert report["unheard_words"]["letters"]["clips"] == 1
    assert report["unheard_words"]["letters"]["top10"] == 1.0  # 8 candidates: always
    assert [s["path"].rsplit("/", 1)[-1] for s in report["skipped"]] == [
        "42.wav", f"{corrupt}.wav"]
    assert "not a readable sound file" in report["skipped"][1]["why"]
    clip = next(x for x in report["per_clip"] if x["path"].endswith("take1.wav"))
    assert clip["word"] == b and clip["heard"] and len(clip["by_sound"]) == 5
    if clip["rank_by_sound"] < 5:
        assert clip["by_sound"][clip["rank_by_sound"]] == b


def test_the_cli_scores_a_folder(user_folder, tiny_audio_models, capsys):
    root, _ = user_folder
    assert main(["audio", "eval", "--models", str(tiny_audio_models), "--clips", str(root),
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["clips"] == 5
    assert main(["audio", "eval", "--models", str(tiny_audio_models), "--clips",
                 str(root)]) == 0
    text = capsys.readouterr().out
    assert "5 clips of 4 words" in text and "skipped" in text


# ---- a user's clips as a spoken-word set, trained on -----------------------------------
def write_user_set(data, folder, with_speakers: bool):
    """Every clip of the tiny set as a user's file (folder layout, or a CSV naming each
    clip's voice as its speaker)."""
    folder.mkdir(parents=True)
    rows = []
    for i in range(len(data)):
        word = data.words[int(data.clip_word[i])]
        path = folder / f"{word}-{i}.wav"
        soundfile.write(path, data.clip(i), SAMPLE_RATE, subtype="PCM_16")
        rows.append([path.name, word, data.voices[int(data.clip_voice[i])].key])
    if not with_speakers:
        return folder
    with open(folder / "clips.csv", "w", newline="") as f:
        csv.writer(f).writerows([["path", "word", "speaker"], *rows])
    return folder / "clips.csv"


def test_a_csv_with_speakers_holds_whole_speakers_out(trained, tmp_path):
    from engine.audio.clip_sets import build_clip_dataset
    from engine.audio.dataset import load_dataset

    data, _ = trained
    source = write_user_set(data, tmp_path / "mine", with_speakers=True)
    report = build_clip_dataset(source, tmp_path / "set", seed=0)
    user = load_dataset(tmp_path / "set")
    assert report["clips"] == len(data) and len(user) == len(data)
    assert report["test_voices"] >= 1 and report["train_voices"] > report["test_voices"]
    held = set(user.manifest["choices"]["held_out"]["speakers"])
    for i in range(len(user)):
        speaker = user.voices[int(user.clip_voice[i])].name
        assert (user.clip_split[i] == 1) == (speaker in held or user.clip_word[i] >= user.n_heard)
    assert sorted(user.words) == sorted(data.words)  # 8 words: none held out (< 10)
    # The same samples, trimmed to the voiced part at most.
    assert abs(int(user.clip_length.sum()) - int(data.clip_length.sum())) < 0.05 * int(
        data.clip_length.sum())


def test_a_folder_without_speakers_holds_a_share_of_each_words_clips(trained, tmp_path):
    from engine.audio.clip_sets import build_clip_dataset
    from engine.audio.dataset import load_dataset

    data, _ = trained
    source = write_user_set(data, tmp_path / "mine", with_speakers=False)
    build_clip_dataset(source, tmp_path / "set", seed=0)
    user = load_dataset(tmp_path / "set")
    assert user.manifest["choices"]["held_out"]["by"] == "clip"
    for w in range(user.n_heard):
        mine = user.clip_word == w
        share = float((user.clip_split[mine] == 1).mean())
        assert 0.1 <= share <= 0.3


def test_models_train_on_a_users_clips(trained, tmp_path):
    data, _ = trained
    source = write_user_set(data, tmp_path / "mine", with_speakers=True)
    with pytest.raises(EngineError, match="folder of their own"):
        Engine().handle(api.TrainAudioModels(dataset=source))  # never over the shipped
    report = Engine().handle(api.TrainAudioModels(dataset=source, out=tmp_path / "models",
                                                  epochs=2, letter_epochs=2))
    assert report["out"] == str(tmp_path / "models")
    evaluation = report["evaluation"]
    assert evaluation["in_vocabulary"]["clips"] > 0
    assert evaluation["classes"] == 8 and evaluation["candidates"] == 8
    assert (tmp_path / "models" / "models.npz").is_file()


def test_build_dataset_from_a_folder_on_the_cli(trained, tmp_path, capsys):
    data, _ = trained
    source = write_user_set(data, tmp_path / "mine", with_speakers=False)
    assert main(["audio", "build-dataset", "--from", str(source), "--out",
                 str(tmp_path / "set"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["clips"] == len(data) and report["skipped"] == 0
