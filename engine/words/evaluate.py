"""Word-space evaluation as the literature reports it.

- Analogy accuracy on the Google analogy set (``questions-words.txt``, Mikolov et al.
  2013) with 3CosAdd over the 30k most frequent words; a question counts only when all
  four words are among those 30k (gensim's ``evaluate_word_analogies`` convention), and
  the coverage is reported beside the accuracy.
- Spearman correlation between cosine similarity and human ratings on SimLex-999
  (Hill et al. 2015) and WordSim-353 (Finkelstein et al. 2002), with OOV pair counts.

The data files come from gensim's wheel (a declared dependency), so evaluation needs
no download.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken
from engine.spaces import EmbeddingSpace

ANALOGY_VOCAB = 30_000


def gensim_test_data(name: str) -> Path:
    override = os.environ.get("EMBEDDING_EXPLORER_EVAL_DATA")
    if override:  # a machine without gensim (the GPU benchmark) carries the files
        return Path(override) / name
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError("gensim is not installed, so the evaluation sets are missing.",
                          "Run the set-up command from the README (pip install gensim).")
    path = Path(next(iter(spec.submodule_search_locations))) / "test" / "test_data" / name
    if not path.exists():
        raise EngineError(f"Evaluation file {path} is missing from the gensim install.")
    return path


@dataclass(frozen=True)
class AnalogyQuestion:
    section: str
    a: str  # the line "a b c expected" reads a:b :: c:expected
    b: str
    c: str
    expected: str


def read_analogies(path: Path | None = None) -> list[AnalogyQuestion]:
    """Lines "w1 w2 w3 w4" mean w1:w2 :: w3:w4, asked as w2 - w1 + w3 -> w4."""
    path = path or gensim_test_data("questions-words.txt")
    questions: list[AnalogyQuestion] = []
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            section = line[1:].strip()
            continue
        words = line.lower().split()
        if len(words) == 4:
            questions.append(AnalogyQuestion(section, *words))
    return questions


def read_similarity_pairs(path: Path) -> list[tuple[str, str, float]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            pairs.append((parts[0].lower(), parts[1].lower(), float(parts[2])))
    return pairs


@dataclass(frozen=True)
class AnalogyResult:
    a: str
    b: str
    c: str
    expected: str
    predicted: str
    correct: bool
    section: str = ""  # the questions file's section, so failures can be listed by it


@dataclass(frozen=True)
class SectionScore:
    section: str
    correct: int
    covered: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.covered if self.covered else 0.0


@dataclass(frozen=True)
class SimilarityScore:
    name: str
    spearman: float
    pairs_used: int
    pairs_oov: int


@dataclass(frozen=True)
class WordEvaluation:
    analogy_accuracy: float
    analogy_correct: int
    analogy_covered: int
    analogy_total: int
    sections: tuple[SectionScore, ...]
    similarity: tuple[SimilarityScore, ...]
    failures: tuple[AnalogyResult, ...] = field(default=())

    def to_json(self, with_failures: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "analogy": {
                "accuracy": round(self.analogy_accuracy, 4),
                "correct": self.analogy_correct,
                "covered": self.analogy_covered,
                "total": self.analogy_total,
                "vocabulary": ANALOGY_VOCAB,
                "sections": {
                    s.section: {"accuracy": round(s.accuracy, 4), "correct": s.correct,
                                "covered": s.covered, "total": s.total}
                    for s in self.sections
                },
            },
            "similarity": {
                s.name: {"spearman": round(s.spearman, 4), "pairs_used": s.pairs_used,
                         "pairs_oov": s.pairs_oov}
                for s in self.similarity
            },
        }
        if with_failures:
            out["analogy"]["failures"] = [
                {"a": f.a, "b": f.b, "c": f.c, "expected": f.expected, "predicted": f.predicted}
                for f in self.failures
            ]
        return out

    def summary(self) -> dict[str, float]:
        sims = {s.name: s.spearman for s in self.similarity}
        return {"analogy": self.analogy_accuracy, **sims}


def evaluate_analogies(
    space: EmbeddingSpace,
    questions: list[AnalogyQuestion],
    vocab_limit: int = ANALOGY_VOCAB,
    cancel: CancelToken = NEVER_CANCELLED,
) -> tuple[list[SectionScore], list[AnalogyResult]]:
    restricted = min(vocab_limit, len(space))
    index = {k.lower(): i for i, k in reversed(list(enumerate(space.keys[:restricted])))}
    unit = space.unit_vectors[:restricted]
    covered = [(q, [index.get(w) for w in (q.a, q.b, q.c, q.expected)]) for q in questions]
    covered = [(q, ids) for q, ids in covered if None not in ids]
    results: list[AnalogyResult] = []
    batch = 512
    for start in range(0, len(covered), batch):
        cancel.raise_if_cancelled()
        part = covered[start:start + batch]
        ids = np.array([ids for _, ids in part], dtype=np.int64)
        # w1:w2 :: w3:? -> w2 - w1 + w3
        target = unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]
        target /= np.maximum(np.linalg.norm(target, axis=1, keepdims=True), 1e-12)
        scores = target @ unit.T
        rows = np.arange(len(part))
        for col in range(3):
            scores[rows, ids[:, col]] = -np.inf
        best = scores.argmax(axis=1)
        for (q, qids), b in zip(part, best, strict=True):
            results.append(AnalogyResult(q.a, q.b, q.c, q.expected, space.keys[b],
                                         bool(b == qids[3]), q.section))
    sections: dict[str, list[int]] = {}
    for q in questions:
        sections.setdefault(q.section, [0, 0, 0])[2] += 1
    section_of = {id(r): q.section for (q, _), r in zip(covered, results, strict=True)}
    for r in results:
        s = sections[section_of[id(r)]]
        s[1] += 1
        s[0] += int(r.correct)
    scores = [SectionScore(name, c, cov, tot) for name, (c, cov, tot) in sections.items()]
    return scores, results


def evaluate_similarity(space: EmbeddingSpace, name: str, path: Path) -> SimilarityScore:
    from scipy.stats import spearmanr

    pairs = read_similarity_pairs(path)
    index = {k.lower(): i for i, k in reversed(list(enumerate(space.keys)))}
    unit = space.unit_vectors
    model, human, oov = [], [], 0
    for a, b, score in pairs:
        ia, ib = index.get(a), index.get(b)
        if ia is None or ib is None:
            oov += 1
            continue
        model.append(float(unit[ia] @ unit[ib]))
        human.append(score)
    rho = float(spearmanr(model, human).statistic) if len(model) > 2 else float("nan")
    return SimilarityScore(name, rho, len(model), oov)


def evaluate_space(
    space: EmbeddingSpace,
    vocab_limit: int = ANALOGY_VOCAB,
    cancel: CancelToken = NEVER_CANCELLED,
) -> WordEvaluation:
    questions = read_analogies()
    sections, results = evaluate_analogies(space, questions, vocab_limit, cancel)
    correct = sum(s.correct for s in sections)
    covered = sum(s.covered for s in sections)
    sims = (
        evaluate_similarity(space, "simlex999", gensim_test_data("simlex999.txt")),
        evaluate_similarity(space, "wordsim353", gensim_test_data("wordsim353.tsv")),
    )
    return WordEvaluation(
        correct / covered if covered else 0.0, correct, covered, len(questions),
        tuple(sections), sims, tuple(r for r in results if not r.correct),
    )
