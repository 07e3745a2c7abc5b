"""The shipped audio models (resources/audio/default-models) end to end: words said by a
speaker no model trained on (festival's ked, held out in the default set) reach the
models through the virtual microphone and are ranked by sound; a word none of them heard
is ranked by spelling among the shipped candidates; the audio-word space opens."""

import json
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine import api
from engine.audio.capture import record
from engine.audio.voices import Voice, say_words
from engine.engine import Engine
from engine.paths import DEFAULT_AUDIO_MODELS

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def shipped():
    manifest = json.loads((DEFAULT_AUDIO_MODELS / "manifest.json").read_text())
    return Engine(), manifest


def heard_and_new_words(manifest, n: int = 6):
    """``n`` words the acoustic model heard in training, ``n`` it never heard."""
    heard = manifest["words"]
    rng = np.random.default_rng(1)
    return ([heard[i] for i in rng.choice(len(heard), n, replace=False)],
            [w for w in manifest["candidates"] if w not in set(heard)][:n])


def test_held_out_speaker_words_through_the_microphone(shipped, tmp_path):
    engine, manifest = shipped
    if manifest["trained_on"]["dataset_counts"].get("test_voices", 0) == 0:
        pytest.fail("The shipped models carry no record of their held-out voices.")
    words, _ = heard_and_new_words(manifest)
    subprocess.run(["bash", str(ROOT / "scripts" / "virtual_mic.sh")], check=True, timeout=30)
    said = say_words(Voice("festival", "ked"), words, np.random.default_rng(0))
    hits = 0
    for word, samples in zip(words, said, strict=True):
        import soundfile

        path = tmp_path / f"{word}.wav"
        soundfile.write(path, samples, 16_000, subtype="PCM_16")

        def play(path=path):
            time.sleep(0.3)
            subprocess.run(["paplay", "--device=vmic", str(path)], check=True, timeout=30)

        player = threading.Thread(target=play)
        player.start()
        take = record(0.3 + len(samples) / 16_000 + 0.5)
        player.join()
        ranking = engine.handle(api.RankTake(take, 16_000, k=10))
        hits += word in [s.word for s in ranking.classifier]
    # Held-out speaker, through a (virtual) sound card: most words in the top 10.
    assert hits >= len(words) // 2, f"{hits} of {len(words)} in the top 10"


def test_a_word_never_heard_is_ranked_by_spelling(shipped):
    engine, manifest = shipped
    _, new = heard_and_new_words(manifest)
    said = say_words(Voice("festival", "ked"), new, np.random.default_rng(0))
    hits = 0
    for word, samples in zip(new, said, strict=True):
        ranking = engine.handle(api.RankTake(samples, 16_000, k=10))
        hits += word in [s.word for s in ranking.letters]
        assert word not in [s.word for s in ranking.classifier]  # it cannot know it
    assert hits >= 1, f"{hits} of {len(new)} in the top 10 by spelling"


def test_the_audio_word_space_opens(shipped):
    engine, manifest = shipped
    space = engine.space(Path("audio-words"))
    assert len(space.keys) == len(manifest["candidates"])
    assert "night" not in space.keys or len(space.neighbours("night", 5)) == 5
