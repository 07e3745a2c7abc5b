"""``python -m engine images eval``: every image-label model trained on the picture set's
training split and scored on what it never saw.

* Held-out pictures of seen labels (split "test"): precision@1 and @10 among the seen
  labels, for the classifier, WSABIE (WARP and uniform hinge), DeViSE and ConSE (over
  our classifier, T = 10); the same for emoji of seen labels drawn in a style that did
  not train (Symbola and Unifont, split "style-test").
* Zero-shot (split "zero-shot": labels no model trained on): hit@1, @5 and @10 for
  ConSE (our classifier's seen labels, T = 1, 10 and all; and ImageNet's 1,000 classes,
  T = 10, as in the paper) and DeViSE, over the unseen labels only and over unseen +
  seen; chance beside them.

Labels are the pictures' head nouns; pictures whose head the word space lacks are left
out (and counted). The training split gains each picture's mirror image.
"""

from __future__ import annotations

import time

import numpy as np

from engine.errors import EngineError
from engine.jobs import (
    NEVER_CANCELLED,
    CancelToken,
    Progress,
    ProgressCallback,
    no_progress,
    sub_progress,
)


def _precision(scores: np.ndarray, truth: np.ndarray, k: int) -> float:
    """The share of rows with a right label among their ``k`` best: ``truth`` is each
    row's label index, or an N x L boolean matrix of the labels that are right (a
    multi-label picture: any of them counts)."""
    if not len(truth):
        return float("nan")
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    if truth.ndim == 2:
        return round(float(np.take_along_axis(truth, top, axis=1).any(axis=1).mean()), 4)
    return round(float((top == truth[:, None]).any(axis=1).mean()), 4)


def _chance(truth: np.ndarray, k: int) -> float:
    """The share of rows a random ranking gets right in its ``k`` best: with r right
    labels among L, 1 - C(L - r, k) / C(L, k); k / L for one right label."""
    from math import comb

    if not len(truth):
        return float("nan")
    labels = truth.shape[1]
    k = min(k, labels)
    right = truth.sum(axis=1)
    return round(float(np.mean([1 - comb(labels - int(r), k) / comb(labels, k)
                                for r in right])), 4)


def imagenet_class_vectors(space) -> tuple[np.ndarray, np.ndarray]:
    """A word vector per ImageNet class (the first synonym that is a word of ``space``,
    else the last word of one that is), and which classes have one."""
    from engine.images.imagenet import imagenet_classes

    vectors, known = [], []
    for cls in imagenet_classes():
        word = next((n.lower() for n in cls.names if n.lower() in space), None)
        if word is None:
            word = next((n.split()[-1].lower() for n in cls.names
                         if n.split()[-1].lower() in space), None)
        known.append(word is not None)
        vectors.append(space.vector(word) if word else np.zeros(space.dim, np.float32))
    return np.asarray(vectors, dtype=np.float32), np.asarray(known)


def known_heads(picture, space) -> list[str]:
    """The picture's label heads that are words of ``space``."""
    return [h for h in picture.heads if h in space]


def training_rows(pictures, space) -> np.ndarray:
    """The training pictures with a label ``space`` knows."""
    return np.flatnonzero(np.array([p.split == "train" and any(h in space for h in p.heads)
                                    for p in pictures]))


def training_split(pictures, features, space, restyled=None
                   ) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """The training pictures with a label ``space`` knows (rows), their sorted labels,
    and the features with each picture's mirror image after them, then each restyled copy
    (``restyled``: style -> features of ``rows``' pictures, from ``restyled_training``)
    (x) with label indices (y): what every model of the image-label space is fitted on.
    A multi-label picture gives one row of each view per known label."""
    rows = training_rows(pictures, space)
    labels_of = [known_heads(pictures[i], space) for i in rows]
    seen = sorted({h for labels in labels_of for h in labels})
    index = {h: i for i, h in enumerate(seen)}
    copies = list((restyled or {}).values())
    if any(len(c) != len(rows) for c in copies):
        raise EngineError("The restyled pictures are not the training pictures.",
                          "Encode them again (delete the features cache).")
    pair_row = np.array([j for j, labels in enumerate(labels_of) for _ in labels],
                        dtype=np.int64)
    pair_label = [index[h] for labels in labels_of for h in labels]
    views = [features.features[rows], features.flipped_features[rows], *copies]
    x = np.vstack([view[pair_row] for view in views])
    y = np.array(pair_label * len(views))
    return rows, seen, x, y


def restyled_training(encoder, pictures, space, progress: ProgressCallback = no_progress,
                      cancel: CancelToken = NEVER_CANCELLED) -> dict[str, np.ndarray]:
    """The training pictures restyled (augment.TRAINING_STYLES) and encoded: cached after
    the first time (about 9 minutes for 1,600 pictures on 2 CPU cores)."""
    from engine.images.augment import TRAINING_STYLES
    from engine.images.features import encode_restyled

    rows = training_rows(pictures, space)
    return encode_restyled(encoder, [pictures[i].path for i in rows], TRAINING_STYLES,
                           progress=progress, cancel=cancel)


def seen_label_rows(pictures, space, split: str, seen: list[str]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The pictures of ``split`` ("test", "style-test") with a label that is a word of
    ``space`` and one of the ``seen`` labels (rows), with which of ``seen`` are right for
    each (an N x len(seen) boolean matrix): what the held-out scores are computed on."""
    index = {h: i for i, h in enumerate(seen)}
    rows, right = [], []
    for i, p in enumerate(pictures):
        labels = [index[h] for h in known_heads(p, space) if h in index]
        if p.split == split and labels:
            rows.append(i)
            right.append(labels)
    truth = np.zeros((len(rows), len(seen)), dtype=bool)
    for r, labels in enumerate(right):
        truth[r, labels] = True
    return np.array(rows, dtype=np.int64), truth


def evaluate_image_models(
    pictures, features, space, seed: int = 0,
    progress: ProgressCallback = no_progress, cancel: CancelToken = NEVER_CANCELLED,
    restyled=None,
) -> dict:
    """``pictures`` (dataset.Picture), their ``features`` (features.PictureFeatures, with
    mirror images), a word space and the training pictures' restyled copies
    (``restyled_training``; None: none); returns the report described above."""
    from engine.images.models import (
        conse,
        train_classifier,
        train_devise,
        train_wsabie,
        unit_rows,
    )

    known = np.array([any(h in space for h in p.heads) for p in pictures])
    rows = {split: np.flatnonzero(known & np.array([p.split == split for p in pictures]))
            for split in ("train", "test", "style-test", "zero-shot")}
    if not len(rows["train"]):
        raise EngineError("The picture set has no training pictures whose label the word "
                          "space knows.", "Rebuild the picture set, or choose another "
                          "word space.")
    _, seen, x_train, y_train = training_split(pictures, features, space, restyled)
    seen_set = set(seen)
    unseen = sorted({h for i in rows["zero-shot"] for h in known_heads(pictures[i], space)}
                    - seen_set)
    test, y_test = seen_label_rows(pictures, space, "test", seen)
    style, y_style = seen_label_rows(pictures, space, "style-test", seen)
    unseen_index = {h: i for i, h in enumerate(unseen)}
    # A zero-shot picture counts when it has an unseen label; only those are right.
    zero = np.array([i for i in rows["zero-shot"]
                     if any(h in unseen_index for h in pictures[i].heads)], dtype=np.int64)
    y_zero = np.zeros((len(zero), len(unseen) + len(seen)), dtype=bool)  # unseen first
    for r, i in enumerate(zero):
        for h in pictures[i].heads:
            if h in unseen_index:
                y_zero[r, unseen_index[h]] = True
    seen_vectors = unit_rows(np.stack([space.vector(h) for h in seen]))
    unseen_vectors = (unit_rows(np.stack([space.vector(h) for h in unseen])) if unseen
                      else np.zeros((0, space.dim), np.float32))
    both_vectors = np.vstack([unseen_vectors, seen_vectors])  # unseen first: same rows

    timings = {}
    t0 = time.perf_counter()
    classifier = train_classifier(x_train, y_train, len(seen), seed=seed,
                                  progress=sub_progress(progress, 0.0, 0.2), cancel=cancel)
    timings["classifier"] = time.perf_counter() - t0
    models = {"classifier": classifier.scores}
    # Each loss at its own best rate of one grid (bench/images_wsabie_sweep.py): WARP's
    # steps are lr * L(rank), up to 7.3 times the hinge's.
    for loss, lr, start in (("warp", 0.01, 0.2), ("hinge", 0.1, 0.5)):
        t0 = time.perf_counter()
        wsabie = train_wsabie(x_train, y_train, len(seen), loss=loss, epochs=40, lr=lr,
                              lr_decay=True, seed=seed,
                              progress=sub_progress(progress, start, 0.3),
                              cancel=cancel)
        timings[f"wsabie_{loss}"] = time.perf_counter() - t0
        models[f"wsabie_{loss}"] = wsabie.scores
    t0 = time.perf_counter()
    devise = train_devise(x_train, y_train, seen_vectors, seed=seed,
                          progress=sub_progress(progress, 0.8, 0.15), cancel=cancel)
    timings["devise"] = time.perf_counter() - t0
    progress(Progress(0.95, "Scoring held-out and zero-shot pictures"))

    def held_out_scores(rows_: np.ndarray, truth: np.ndarray) -> dict:
        if not len(rows_):
            return {}
        f = features.features[rows_]
        scores = {name: score(f) for name, score in models.items()}
        scores["devise"] = devise.embed(f) @ seen_vectors.T
        scores["conse_t10"] = conse(classifier.probabilities(f), seen_vectors,
                                    10) @ seen_vectors.T
        return {name: {"precision_at_1": _precision(s, truth, 1),
                       "precision_at_10": _precision(s, truth, 10)}
                for name, s in scores.items()}

    held_out = held_out_scores(test, y_test)
    other_style = held_out_scores(style, y_style)

    zero_shot, chance = {}, {}
    if len(zero):  # a user's set may hold no labels out
        zero_features = features.features[zero]
        probabilities = classifier.probabilities(zero_features)
        embeddings = {f"conse_t{t or 'all'}": conse(probabilities, seen_vectors, t)
                      for t in (1, 10, None)}
        imagenet_vectors, imagenet_known = imagenet_class_vectors(space)
        imagenet_p = features.probabilities[zero] * imagenet_known
        embeddings["conse_imagenet_t10"] = conse(imagenet_p, imagenet_vectors, 10)
        embeddings["devise"] = devise.embed(zero_features)

        def hits(e: np.ndarray, candidates: np.ndarray, truth: np.ndarray) -> dict:
            s = e @ candidates.T
            return {f"hit_at_{k}": _precision(s, truth, k) for k in (1, 5, 10)}

        zero_shot = {name: {"unseen_only": hits(e, unseen_vectors, y_zero[:, :len(unseen)]),
                            "unseen_and_seen": hits(e, both_vectors, y_zero)}
                     for name, e in embeddings.items()}
        # Chance counts each picture's right labels: k / L for one (the default set).
        chance = {"unseen_only": {f"hit_at_{k}": _chance(y_zero[:, :len(unseen)], k)
                                  for k in (1, 5, 10)},
                  "unseen_and_seen": {f"hit_at_{k}": _chance(y_zero, k) for k in (1, 5, 10)}}
    progress(Progress(1.0, "Evaluated"))
    return {
        "word_space": space.info.get("name") or space.info.get("title") or "default",
        "labels": {"seen": len(seen), "unseen": len(unseen)},
        "pictures": {"train": int(len(rows["train"])), "test": int(len(test)),
                     "style_test": int(len(style)), "zero_shot": int(len(zero)),
                     "left_out_label_not_in_word_space": int((~known).sum()),
                     "multi_label": int(sum(bool(p.also) for p in pictures))},
        "held_out_seen_labels": held_out,
        "held_out_chance": {"precision_at_1": _chance(y_test, 1) if len(test) else
                            round(1 / len(seen), 4),
                            "precision_at_10": _chance(y_test, 10) if len(test) else
                            round(min(1.0, 10 / len(seen)), 4)},
        "held_out_other_style": other_style,
        "zero_shot": zero_shot,
        "chance": chance,
        "training_seconds": {k: round(v, 2) for k, v in timings.items()},
        "seed": seed,
    }
