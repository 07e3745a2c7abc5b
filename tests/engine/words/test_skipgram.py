"""Training on a tiny synthetic corpus with two topics: words of a topic share contexts,
so skip-gram must place them closer to each other than to the other topic's words."""

import threading
import time

import numpy as np
import pytest

from engine.errors import EngineError
from engine.jobs import Cancelled, CancelToken
from engine.words.trainer import EncodedCorpus, SkipGramSettings, SkipGramTrainer
from engine.words.vocab import build_vocabulary, count_words, encode_corpus

ANIMALS = ["cat", "dog", "mouse", "horse", "cow"]
ANIMAL_CONTEXT = ["feed", "pet", "farm", "fur", "barn", "tail"]
VEHICLES = ["car", "truck", "bus", "van", "tractor"]
VEHICLE_CONTEXT = ["drive", "road", "engine", "fuel", "wheel", "garage"]


def topic_corpus(n_sentences: int = 3000, seed: int = 0) -> EncodedCorpus:
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n_sentences):
        if rng.random() < 0.5:
            words, ctx = ANIMALS, ANIMAL_CONTEXT
        else:
            words, ctx = VEHICLES, VEHICLE_CONTEXT
        s = list(rng.choice(ctx, 3)) + [rng.choice(words)] + list(rng.choice(ctx, 3))
        sentences.append([str(w) for w in s])
    counter, total = count_words(sentences)
    vocab = build_vocabulary(counter, total, min_count=1)
    return EncodedCorpus(vocab, encode_corpus(sentences, vocab), "test", "memory")


def topic_margin(space) -> float:
    """Mean cosine within topics minus mean cosine across topics."""
    unit = space.unit_vectors
    a = unit[[space.index_of(w) for w in ANIMALS]]
    v = unit[[space.index_of(w) for w in VEHICLES]]
    within = (np.mean(a @ a.T) + np.mean(v @ v.T)) / 2
    return float(within - np.mean(a @ v.T))


SETTINGS = SkipGramSettings(dim=16, window=3, negative=5, epochs=4, min_count=1, sample=0,
                            alpha=0.05, seed=7, chunk_tokens=2000,
                            batch_pairs=256)


@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_training_moves_topic_words_together(backend):
    corpus = topic_corpus()
    trainer = SkipGramTrainer(corpus, SkipGramSettings(**{**SETTINGS.to_json(),
                                                           "backend": backend, "device": "cpu"}))
    before = topic_margin(trainer.snapshot())
    reports = []
    space = trainer.train(on_epoch=reports.append)
    after = topic_margin(space)
    assert after > 0.5 and after > before + 0.3, f"{backend}: margin {before:.3f} -> {after:.3f}"
    assert [r.epoch for r in reports] == [1, 2, 3, 4]
    assert all(np.isfinite(r.loss) and r.loss > 0 for r in reports)
    assert reports[-1].loss < reports[0].loss
    # each epoch publishes its own frozen snapshot
    assert reports[0].space.vectors is not reports[-1].space.vectors
    assert space.info["epochs_done"] == 4


def test_progress_reports_rate_loss_and_fraction():
    seen = []
    SkipGramTrainer(topic_corpus(), SETTINGS).train(progress=seen.append)
    assert seen[-1].fraction == pytest.approx(1.0)
    assert seen[-1].stats["words_per_second"] > 0
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions)


def test_cancel_stops_training_within_a_second():
    corpus = topic_corpus(60_000)
    settings = SkipGramSettings(**{**SETTINGS.to_json(), "epochs": 50})
    trainer = SkipGramTrainer(corpus, settings)
    token = CancelToken()
    stopped_at = {}

    def cancel_soon():
        time.sleep(1.0)
        stopped_at["cancel"] = time.perf_counter()
        token.cancel()

    threading.Thread(target=cancel_soon).start()
    with pytest.raises(Cancelled):
        trainer.train(cancel=token)
    assert time.perf_counter() - stopped_at["cancel"] < 1.0
    assert trainer.epochs_done < 50


def test_checkpoint_resume_continues_from_the_last_epoch(tmp_path):
    corpus = topic_corpus()
    first = SkipGramTrainer(corpus, SkipGramSettings(**{**SETTINGS.to_json(), "epochs": 2}))
    first.train()
    first.save_checkpoint(tmp_path)
    resumed = SkipGramTrainer(corpus, SETTINGS)  # asks for 4 epochs
    assert resumed.try_resume(tmp_path)
    assert resumed.epochs_done == 2
    np.testing.assert_array_equal(resumed.syn0, first.syn0)
    epochs = []
    resumed.train(on_epoch=lambda r: epochs.append(r.epoch))
    assert epochs == [3, 4]
    # different hyper-parameters must not resume someone else's weights
    other = SkipGramTrainer(corpus, SkipGramSettings(**{**SETTINGS.to_json(), "window": 2}))
    assert not other.try_resume(tmp_path)


def test_output_weight_publishes_input_plus_weighted_output_vectors(tmp_path):
    corpus = topic_corpus(600)
    trainer = SkipGramTrainer(corpus, SkipGramSettings(**{**SETTINGS.to_json(), "epochs": 1}))
    trainer.train()
    plain = trainer.snapshot().vectors
    np.testing.assert_array_equal(plain, trainer.syn0)
    trainer.save_checkpoint(tmp_path)
    # the weight only changes what is published, so the checkpoint still resumes
    weighted = SkipGramTrainer(corpus, SkipGramSettings(
        **{**SETTINGS.to_json(), "epochs": 1, "output_weight": 0.5}))
    assert weighted.try_resume(tmp_path)
    expected = trainer.syn0 + np.float32(0.5) * trainer.syn1
    np.testing.assert_allclose(weighted.snapshot().vectors, expected, rtol=1e-6)
    assert not np.allclose(weighted.snapshot().vectors, plain)
    with pytest.raises(EngineError, match="--output-weight"):
        SkipGramSettings(output_weight=-1).validate()


def test_invalid_settings_are_clear_errors():
    with pytest.raises(EngineError, match="--window"):
        SkipGramSettings(window=0).validate()


def test_cuda_request_without_a_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        from engine.words.trainer import triton_available

        expected = "triton" if triton_available() else "torch"
        assert SkipGramSettings(device="cuda").resolved_device() == ("cuda", expected)
    else:
        with pytest.raises(EngineError, match="CUDA"):
            SkipGramSettings(device="cuda").resolved_device()
        assert SkipGramSettings().resolved_device() == ("cpu", "numba")


def test_encoded_corpus_cache_returns_the_same_corpus_and_warnings(tmp_path):
    from engine.words.trainer import load_encoded_corpus

    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b"the cat sat\nthe dog sat\nbad caf\xe9 line\n")
    first_warnings, second_warnings = [], []
    first = load_encoded_corpus(corpus, 1, warnings=first_warnings)
    second = load_encoded_corpus(corpus, 1, warnings=second_warnings)  # from the cache
    np.testing.assert_array_equal(first.ids, second.ids)
    assert first.vocab.words == second.vocab.words
    assert first_warnings and second_warnings == first_warnings
