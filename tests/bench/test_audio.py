"""The audio benchmark on a user's own clips, small: ours and pocketsphinx scored on the
same recordings, heard and other words apart, written as JSON."""

import json

import pytest
import soundfile

from engine.audio.signal import SAMPLE_RATE

pytest.importorskip("pocketsphinx")


def test_the_benchmark_compares_on_a_users_clips(trained, tiny_audio_models, tmp_path):
    from bench.audio import main

    data, _ = trained
    rows = data.rows("test")
    folder = tmp_path / "clips"
    folder.mkdir()
    for n, w in enumerate((0, 1, data.n_heard)):  # two heard words, one held out
        row = int(rows[data.clip_word[rows] == w][0])
        soundfile.write(folder / f"{data.words[w]}-{n}.wav", data.clip(row), SAMPLE_RATE)
    (folder / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    out = tmp_path / "result.json"
    assert main(["--models", str(tiny_audio_models), "--user-clips", str(folder),
                 "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["skipped"] == 1 and result["candidates"] == len(data.words)
    heard, other = result["in_vocabulary"], result["out_of_vocabulary"]
    assert heard["clips"] == 2 and other["clips"] == 1
    assert set(heard["ours"]) >= {"classifier_top1", "letters_top10", "ms_per_clip"}
    assert "classifier_top1" not in other["ours"]  # the classifier never heard it
    for r in (heard, other):
        anchor = r["pocketsphinx"]
        assert 0 <= anchor["grammar"]["top1"] <= anchor["grammar"]["top10"] <= 1
        assert anchor["grammar"]["grammar_words"] > 0 and anchor["free"]["ms_per_clip"] > 0
