import numpy as np

from engine.audio.space import NAME, converted_audio_space
from engine.spaces.named import named_spaces
from engine.storage import import_vectors


def test_the_audio_word_space_holds_every_candidate_by_its_spelling(tiny_audio_models,
                                                                   trained, tmp_path):
    data, models = trained
    folder = converted_audio_space(tmp_path / "space", models_folder=tiny_audio_models)
    space = import_vectors(folder)
    assert space.keys == data.words  # heard words, then held-out ones
    assert list(space.metadata["heard"]) == [1] * data.n_heard + [0] * (
        len(data.words) - data.n_heard)
    assert np.allclose(space.vectors, models.embed_words(data.words), atol=1e-2)
    stamp = (folder / "manifest.json").stat().st_mtime_ns
    converted_audio_space(tmp_path / "space", models_folder=tiny_audio_models)
    assert (folder / "manifest.json").stat().st_mtime_ns == stamp  # not made again


def test_the_space_is_listed_by_name():
    entry = next(e for e in named_spaces() if e.name == NAME)
    assert entry.kind == "audio-words"
