import json

import numpy as np
import pytest
import soundfile

from engine import api
from engine.__main__ import main
from engine.audio.signal import SAMPLE_RATE
from engine.engine import Engine
from engine.errors import EngineError


@pytest.fixture
def models_folder(tiny_audio_models):
    return tiny_audio_models


@pytest.fixture
def takes(trained, tmp_path):
    """A training clip of each heard word in good shape, and one of every bad kind."""
    data, _ = trained
    rows = data.rows("train")
    files = {}
    for w in range(data.n_heard):
        row = int(rows[data.clip_word[rows] == w][0])
        path = tmp_path / f"{data.words[w]}.wav"
        soundfile.write(path, data.clip(row), SAMPLE_RATE)
        files[data.words[w]] = path
    first = data.words[0]
    clip = data.clip(int(rows[data.clip_word[rows] == 0][0]))
    from scipy.signal import resample_poly

    low = resample_poly(clip, 1, 2)
    soundfile.write(tmp_path / "stereo-8k.wav", np.stack([low, low], 1), 8000)
    soundfile.write(tmp_path / "silence.wav", np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE)
    soundfile.write(tmp_path / "1ms.wav", clip[:16], SAMPLE_RATE)
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF....WAVEfmt nonsense")
    return first, files, tmp_path


def test_training_clips_rank_their_own_word_first(models_folder, takes):
    _, files, _ = takes
    answers = Engine().handle(api.RankAudio(tuple(files.values()), k=3,
                                            models=models_folder))
    right = sum(a.classifier[0].word == word for word, a in zip(files, answers, strict=True))
    assert right >= len(files) - 1
    for a in answers:
        assert not a.error and len(a.classifier) == 3 and len(a.letters) == 3
        assert a.classifier[0].score >= a.classifier[1].score
        assert abs(np.linalg.norm(a.embedding) - 1) < 1e-4


def test_bad_files_fail_alone_with_their_reason(models_folder, takes):
    first, files, folder = takes
    names = ["stereo-8k.wav", "silence.wav", "1ms.wav", "corrupt.wav", "missing.wav"]
    answers = Engine().handle(api.RankAudio(tuple(folder / n for n in names), k=3,
                                            models=models_folder))
    stereo, silence, short, corrupt, missing = answers
    assert not stereo.error and first in [s.word for s in stereo.classifier]
    assert "silent" in silence.error
    assert "ms" in short.error and "at least" in short.error
    assert "not a readable sound file" in corrupt.error
    assert "no such file" in missing.error


def test_a_take_in_memory_is_ranked_and_silence_refused(models_folder, trained):
    data, _ = trained
    engine = Engine()
    clip = data.clip(int(data.rows("train")[0]))
    answer = engine.handle(api.RankTake(clip, SAMPLE_RATE, models=models_folder))
    assert answer.classifier and answer.milliseconds < 1000
    with pytest.raises(EngineError, match="silent"):
        engine.handle(api.RankTake(np.zeros(SAMPLE_RATE), SAMPLE_RATE, models=models_folder))


def test_any_spelling_can_be_a_candidate(models_folder, takes):
    _, files, _ = takes
    candidates = ("zyxwv", "garden", "gardener", "house")
    answer, = Engine().handle(api.RankAudio((files["garden"],), k=4, candidates=candidates,
                                            models=models_folder))
    assert {s.word for s in answer.letters} == set(candidates)


def test_sounds_like_leaves_the_word_out(models_folder):
    items = Engine().handle(api.SoundsLike("garden", k=3, models=models_folder))
    assert len(items) == 3 and "garden" not in [s.word for s in items]
    unseen = Engine().handle(api.SoundsLike("gardenia", k=3, models=models_folder))
    assert len(unseen) == 3
    with pytest.raises(EngineError, match="no letters"):
        Engine().handle(api.SoundsLike("123", models=models_folder))


def test_missing_models_say_how_to_train(tmp_path):
    with pytest.raises(EngineError, match="No audio models") as e:
        Engine().handle(api.SoundsLike("garden", models=tmp_path))
    assert "audio train" in e.value.hint


def test_cli_rank_prints_json_and_exits_2_on_a_bad_file(models_folder, takes, capsys):
    first, files, folder = takes
    status = main(["audio", "rank", str(files[first]), str(folder / "corrupt.wav"),
                   "--models", str(models_folder), "-k", "2", "--json"])
    assert status == 2
    out = json.loads(capsys.readouterr().out)
    assert out[0]["classifier"][0]["word"] == first and "error" in out[1]


def test_cli_candidates_file_and_sounds_like(models_folder, tmp_path, capsys):
    words = tmp_path / "words.txt"
    words.write_text("# my words\ngarden\nharden\n\nwarden\n", encoding="utf-8")
    assert main(["audio", "sounds-like", "garden", "--candidates", str(words),
                 "--models", str(models_folder), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {x["word"] for x in out} == {"harden", "warden"}
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    assert main(["audio", "sounds-like", "garden", "--candidates", str(empty),
                 "--models", str(models_folder)]) == 2
