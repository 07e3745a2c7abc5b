"""Scoring audio models on the held-out voices and words of a spoken-word set.

- In-vocabulary: clips of heard words said by held-out voices; top-1 and top-10 of the
  classifier (among the heard words) and of the letter model (among every candidate,
  heard and held out, as a user's query would be).
- Out-of-vocabulary: clips of held-out words (never heard in training) by held-out
  voices, ranked by the letter model among every candidate.
- Same-different average precision (Kamper et al. 2016): the cosine between the
  acoustic embeddings of every pair of up to 2,000 held-out-voice clips, ranked, with
  "same word" as the positive class.
- Sound-alikes: Spearman's correlation between the letter-space distance (1 - cosine)
  of random word pairs and their CMUdict phoneme edit distance.
"""

from __future__ import annotations

import time

import numpy as np

from engine.audio.dataset import SpokenSet
from engine.audio.models import AudioModels
from engine.audio.training import embed_clips
from engine.audio.vocab import phoneme_edit_distance, phonemes
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress


def top_k_hits(scores: np.ndarray, truth: np.ndarray, ks=(1, 10)) -> dict[str, float]:
    """Share of rows whose true column is among their ``k`` highest scores."""
    if len(truth) == 0:
        return {f"top{k}": float("nan") for k in ks}
    true_scores = scores[np.arange(len(truth)), truth]
    rank = (scores > true_scores[:, None]).sum(axis=1)  # 0: ranked first
    return {f"top{k}": float((rank < k).mean()) for k in ks}


def same_different_ap(embeddings: np.ndarray, words: np.ndarray) -> float:
    """Average precision of "same word" over all pairs, ranked by cosine."""
    from sklearn.metrics import average_precision_score

    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True).clip(min=1e-8)
    i, j = np.triu_indices(len(unit), k=1)
    cosine = np.einsum("nd,nd->n", unit[i], unit[j])
    same = words[i] == words[j]
    return float(average_precision_score(same, cosine)) if same.any() else float("nan")


def sound_alike_correlation(models: AudioModels, words, pairs: int = 5000,
                            seed: int = 0) -> float:
    """Spearman's rho of letter-space distance and phoneme edit distance."""
    from scipy.stats import spearmanr

    words = [w for w in words if phonemes(w) is not None]
    rng = np.random.default_rng(seed)
    points = models.embed_words(words)
    a = rng.integers(0, len(words), pairs)
    b = rng.integers(0, len(words), pairs)
    keep = a != b
    a, b = a[keep], b[keep]
    distance = 1 - np.einsum("nd,nd->n", points[a], points[b])
    edits = [phoneme_edit_distance(phonemes(words[x]), phonemes(words[y]))
             for x, y in zip(a, b, strict=True)]
    return float(spearmanr(distance, edits).statistic)


def evaluate_audio_models(models: AudioModels, data: SpokenSet, device: str = "cpu",
                          progress: ProgressCallback = no_progress,
                          cancel: CancelToken = NEVER_CANCELLED, seed: int = 0) -> dict:
    """Every number above, with the chance level of each."""
    from engine.jobs import sub_progress

    started = time.perf_counter()
    heard_rows = data.rows("test", heard=True)
    oov_rows = data.rows("test", heard=False)
    rows = np.concatenate([heard_rows, oov_rows])
    embeddings, logits = embed_clips(models.acoustic, data, rows, device, cancel=cancel,
                                     progress=sub_progress(progress, 0.0, 0.8))
    n_in = len(heard_rows)
    truth = data.clip_word[rows]
    # The classifier's classes are the set's heard words in order (trained on this set).
    classes = {w: i for i, w in enumerate(models.words)}
    class_of = np.array([classes.get(data.words[w], -1) for w in truth[:n_in]])
    known = class_of >= 0
    classifier = top_k_hits(logits[:n_in][known], class_of[known])
    progress(Progress(0.85, "Ranking by spelling"))
    candidates = data.words
    letter_points = models.embed_words(candidates, device)
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True).clip(min=1e-8)
    scores = unit @ letter_points.T
    letters_in = top_k_hits(scores[:n_in], truth[:n_in])
    letters_oov = top_k_hits(scores[n_in:], truth[n_in:])
    per_engine = {}
    for engine in sorted({v.engine for v in data.voices}):
        mask = np.array([data.voices[v].engine == engine for v in data.clip_voice[heard_rows]])
        if mask.any():
            per_engine[engine] = {"clips": int(mask.sum()),
                                  "classifier": top_k_hits(logits[:n_in][mask & known],
                                                           class_of[mask & known])}
    progress(Progress(0.9, "Same-different pairs"))
    rng = np.random.default_rng(seed)
    sample = rng.choice(n_in, size=min(2000, n_in), replace=False) if n_in else []
    ap = same_different_ap(embeddings[sample], truth[sample]) if n_in else float("nan")
    rho = sound_alike_correlation(models, candidates, seed=seed)
    n_classes, n_candidates = len(models.words), len(candidates)
    test_voices = sorted({data.voices[v].key for v in data.clip_voice[rows]})
    return {
        "in_vocabulary": {"clips": n_in, "classifier": classifier, "letters": letters_in,
                          "per_engine": per_engine},
        "out_of_vocabulary": {"clips": len(oov_rows), "letters": letters_oov},
        "same_different_ap": ap,
        "sound_alike_spearman": rho,
        "chance": {"classifier_top1": 1 / n_classes, "classifier_top10": 10 / n_classes,
                   "letters_top1": 1 / n_candidates, "letters_top10": 10 / n_candidates},
        "candidates": n_candidates, "classes": n_classes,
        "test_voices": len(test_voices),
        "seconds": round(time.perf_counter() - started, 1),
    }
