"""Our audio models beside a real recogniser, on the same held-out clips, in one run.

    python -m bench.audio [--models FOLDER] [--clips 400] [--json]
                          [--out bench/results/audio-cpu.json]
    python -m bench.audio --user-clips FOLDER|CSV   # your own recordings, same comparison

The clips: a seeded sample of the spoken-word set's held-out voices saying heard words
(in-vocabulary) and held-out words (out-of-vocabulary), each padded with 0.2 s of silence.
The anchor is pocketsphinx 5 (PyPI; its wheel carries CMU's en-us acoustic model,
dictionary and language model):

- free: its own language model over its whole dictionary; a hit when the hypothesis is
  the word (``exact``) or holds it among other words (``contains``);
- grammar: a JSGF grammar of exactly our candidate list (one word from it); top-1 from
  the best hypothesis, top-10 from its n-best list.

Ours: the classifier (heard words only) and the letter model among every candidate.
Latency: one clip from samples to ranked words, ours and pocketsphinx's, on this CPU.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
PAD = 3200  # 0.2 s of silence either side: a recogniser needs some to find the word


def _pcm(x: np.ndarray) -> bytes:
    return (np.clip(x, -1, 1) * 32767).astype(np.int16).tobytes()


def pocketsphinx_scores(clips, truth_words, candidates) -> dict:
    from pocketsphinx import Decoder

    free = Decoder(samprate=16000, loglevel="FATAL")
    grammar = Decoder(samprate=16000, loglevel="FATAL")
    known = [w for w in candidates if grammar.lookup_word(w)]
    grammar.add_jsgf_string("words", "#JSGF V1.0;\ngrammar words;\npublic <word> = "
                            + " | ".join(known) + " ;\n")
    grammar.activate_search("words")
    out = {"free": {"exact": 0, "contains": 0, "ms": []},
           "grammar": {"top1": 0, "top10": 0, "ms": []}}
    for clip, word in zip(clips, truth_words, strict=True):
        pcm = _pcm(clip)
        start = time.perf_counter()
        free.start_utt()
        free.process_raw(pcm, full_utt=True)
        free.end_utt()
        hyp = free.hyp().hypstr.split() if free.hyp() else []
        out["free"]["ms"].append((time.perf_counter() - start) * 1000)
        out["free"]["exact"] += hyp == [word]
        out["free"]["contains"] += word in hyp
        start = time.perf_counter()
        grammar.start_utt()
        grammar.process_raw(pcm, full_utt=True)
        grammar.end_utt()
        best = grammar.hyp().hypstr.strip() if grammar.hyp() else ""
        out["grammar"]["ms"].append((time.perf_counter() - start) * 1000)
        ranked = [best] if best else []
        for n, h in enumerate(grammar.nbest()):
            text = h.hypstr.strip()
            if text and text not in ranked:
                ranked.append(text)
            if len(ranked) >= 10 or n > 200:
                break
        out["grammar"]["top1"] += best == word
        out["grammar"]["top10"] += word in ranked[:10]
    n = max(1, len(clips))
    return {"free": {"top1_exact": out["free"]["exact"] / n,
                     "top1_contains": out["free"]["contains"] / n,
                     "ms_per_clip": float(np.mean(out["free"]["ms"]))},
            "grammar": {"top1": out["grammar"]["top1"] / n, "top10": out["grammar"]["top10"] / n,
                        "ms_per_clip": float(np.mean(out["grammar"]["ms"])),
                        "grammar_words": len(known)}}


def compare(models, candidates, clips, words, heard: bool) -> dict:
    """Ours and pocketsphinx on the same clips (``words``: each clip's word)."""
    from engine.audio.ranking import rank_take
    from engine.audio.signal import SAMPLE_RATE, prepare_take

    ours = {"classifier_top1": 0, "classifier_top10": 0, "letters_top1": 0,
            "letters_top10": 0}
    ms = []
    for clip, word in zip(clips, words, strict=True):
        start = time.perf_counter()
        ranking = rank_take(models, prepare_take(clip, SAMPLE_RATE), candidates, k=10)
        ms.append((time.perf_counter() - start) * 1000)
        by_sound = [s.word for s in ranking.classifier]
        by_spelling = [s.word for s in ranking.letters]
        ours["classifier_top1"] += by_sound[0] == word
        ours["classifier_top10"] += word in by_sound
        ours["letters_top1"] += by_spelling[0] == word
        ours["letters_top10"] += word in by_spelling
    n = max(1, len(clips))
    ours = {k: v / n for k, v in ours.items()}
    if not heard:  # the classifier never heard these words
        ours = {k: v for k, v in ours.items() if k.startswith("letters")}
    ours["ms_per_clip"] = float(np.mean(ms)) if ms else float("nan")
    ours["ms_p95"] = float(np.percentile(ms, 95)) if ms else float("nan")
    started = time.perf_counter()
    anchor = pocketsphinx_scores(clips, words, candidates.words)
    return {"clips": len(clips), "ours": ours, "pocketsphinx": anchor,
            "pocketsphinx_seconds": round(time.perf_counter() - started, 1)}


def _padded(clip: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros(PAD, np.float32), clip, np.zeros(PAD, np.float32)])


def user_clips(models, source: Path, result: dict) -> None:
    """A user's own recordings (engine/audio/clip_sets.py), heard and other words apart;
    the candidates are the models' own list and the set's words."""
    from engine.audio.clip_sets import read_clip_set
    from engine.audio.ranking import CandidatePoints
    from engine.audio.signal import read_audio
    from engine.errors import EngineError

    clip_set = read_clip_set(source)
    heard = set(models.words)
    groups = {True: ([], []), False: ([], [])}
    skipped = len(clip_set.skipped)
    for clip in clip_set.clips:
        try:
            samples = read_audio(clip.path)
        except EngineError:
            skipped += 1
            continue
        groups[clip.word in heard][0].append(_padded(samples))
        groups[clip.word in heard][1].append(clip.word)
    base = tuple(models.manifest.get("candidates") or models.words)
    candidates = CandidatePoints(models, (*base, *groups[True][1], *groups[False][1]))
    result.update({"what": f"a user's own recordings ({source}); pocketsphinx and ours on "
                           "the same clips", "candidates": len(candidates.words),
                   "skipped": skipped})
    for kind, is_heard in (("in_vocabulary", True), ("out_of_vocabulary", False)):
        clips, words = groups[is_heard]
        if clips:
            result[kind] = compare(models, candidates, clips, words, is_heard)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audio", description=__doc__)
    parser.add_argument("--models", type=Path, default=None)
    parser.add_argument("--dataset", type=Path, default=None)
    parser.add_argument("--clips", type=int, default=400, help="per kind (in-vocab, OOV)")
    parser.add_argument("--user-clips", type=Path, default=None, metavar="FOLDER|CSV",
                        help="your own recordings instead (files named by word, a folder "
                             "per word, or a CSV of path,word)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: bench/results/audio-cpu.json (audio-user-clips.json "
                             "with --user-clips)")
    args = parser.parse_args(argv)
    import torch

    from engine.audio.dataset import load_dataset
    from engine.audio.models import load_models
    from engine.audio.ranking import CandidatePoints
    from engine.paths import DEFAULT_AUDIO_MODELS

    torch.set_num_threads(2)
    models = load_models(args.models or DEFAULT_AUDIO_MODELS)
    result = {"machine": f"{platform.machine()}, CPU, 2 threads",
              "classes": len(models.words)}
    if args.user_clips is not None:
        out = args.out or RESULTS / "audio-user-clips.json"
        user_clips(models, args.user_clips, result)
    else:
        out = args.out or RESULTS / "audio-cpu.json"
        data = load_dataset(args.dataset)
        candidates = CandidatePoints(models, data.words)
        rng = np.random.default_rng(args.seed)
        result.update({"what": "held-out voices of the spoken-word set; pocketsphinx and "
                               "ours on the same clips", "candidates": len(data.words)})
        for kind, heard in (("in_vocabulary", True), ("out_of_vocabulary", False)):
            rows = data.rows("test", heard=heard)
            rows = rng.choice(rows, size=min(args.clips, len(rows)), replace=False)
            clips = [_padded(data.clip(int(r))) for r in rows]
            words = [data.words[int(data.clip_word[r])] for r in rows]
            result[kind] = compare(models, candidates, clips, words, heard)
    from importlib.metadata import version

    result["pocketsphinx_version"] = version("pocketsphinx")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for kind in ("in_vocabulary", "out_of_vocabulary"):
            if kind in result:
                r = result[kind]
                print(f"{kind} ({r['clips']} clips): ours {json.dumps(r['ours'])}\n"
                      f"  pocketsphinx {json.dumps(r['pocketsphinx'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
