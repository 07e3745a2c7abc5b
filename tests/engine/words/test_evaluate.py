import numpy as np
import pytest

from engine.spaces import EmbeddingSpace
from engine.words.evaluate import (
    AnalogyQuestion,
    evaluate_analogies,
    evaluate_similarity,
    read_analogies,
)


def parallelogram_space():
    rng = np.random.default_rng(0)
    base = {w: rng.normal(size=8) for w in ("italy", "germany", "france", "spain")}
    offset = np.zeros(8)
    offset[0] = 1.0
    words = dict(base)
    for country, capital in (("italy", "rome"), ("germany", "berlin"), ("france", "paris")):
        words[capital] = base[country] + offset
    words["madrid"] = rng.normal(size=8)  # off the parallelogram: spain->madrid fails
    return EmbeddingSpace(tuple(words), np.array(list(words.values())))


def test_analogy_accuracy_counts_correct_and_covered():
    space = parallelogram_space()
    questions = [
        AnalogyQuestion("capitals", "italy", "rome", "germany", "berlin"),
        AnalogyQuestion("capitals", "italy", "rome", "france", "paris"),
        AnalogyQuestion("capitals", "italy", "rome", "spain", "madrid"),
        AnalogyQuestion("capitals", "italy", "rome", "japan", "tokyo"),  # not covered
    ]
    sections, results = evaluate_analogies(space, questions)
    assert (sections[0].correct, sections[0].covered, sections[0].total) == (2, 3, 4)
    assert [r.correct for r in results] == [True, True, False]
    assert [r.section for r in results] == ["capitals"] * 3


def test_vocabulary_restriction_limits_coverage():
    space = parallelogram_space()
    q = [AnalogyQuestion("s", "italy", "rome", "germany", "berlin")]
    sections, _ = evaluate_analogies(space, q, vocab_limit=4)  # rome/berlin beyond the limit
    assert sections[0].covered == 0


def test_similarity_spearman_and_oov(tmp_path):
    space = EmbeddingSpace(("a", "b", "c"), np.array([[1.0, 0], [0.9, 0.1], [0, 1.0]]))
    f = tmp_path / "sim.tsv"
    f.write_text("# header\na\tb\t9\na\tc\t1\nb\tc\t2\na\tzz\t5\n")
    score = evaluate_similarity(space, "toy", f)
    assert score.spearman == pytest.approx(1.0)
    assert (score.pairs_used, score.pairs_oov) == (3, 1)


def test_google_analogy_file_is_read():
    questions = read_analogies()
    assert len(questions) == 19544
    assert questions[0].section == "capital-common-countries"
