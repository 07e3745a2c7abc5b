"""The headless CLI: ``python -m engine words neighbours apple --json``.

Everything the GUI can do with a word space, the CLI can do: build the corpus, train,
query, evaluate, project, import and export. Long work shows a progress bar on stderr;
``--json`` prints a machine-readable result on stdout. Errors print a message a person
can act on and exit with status 2 (never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine import api
from engine.errors import EngineError
from engine.jobs import Cancelled, CancelToken, Progress


class ProgressBar:
    """A tqdm bar fed by engine Progress reports (fractions of 1)."""

    def __init__(self) -> None:
        self._bar = None
        self._enabled = sys.stderr.isatty()  # no bar in logs, pipes and CI

    def __call__(self, p: Progress) -> None:
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(total=1000, file=sys.stderr, leave=False,
                             bar_format="{l_bar}{bar}| {elapsed}<{remaining} {postfix}",
                             disable=not self._enabled)
        self._bar.n = int(round(min(max(p.fraction, 0.0), 1.0) * 1000))
        self._bar.set_description(p.message[:40], refresh=False)
        post = []
        for key in ("words_per_second", "loss"):
            value = p.stats.get(key)
            if isinstance(value, (int, float)):
                post.append(f"{key.replace('_per_second', '/s')}={value:,.3g}")
        self._bar.set_postfix_str(" ".join(post), refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=1, ensure_ascii=False))
    else:
        print(text)


def _scored_table(items) -> str:
    return "\n".join(f"{i:>3}. {s.word:<24} {s.score:.4f}" for i, s in enumerate(items, 1))


# ---- words subcommands ----------------------------------------------------------------
def cmd_build_corpus(args, engine, progress, cancel):
    report = engine.handle(api.BuildCorpus(args.out), progress, cancel)
    data = {"path": str(report.path), "manifest": str(report.manifest_path),
            "sentences": report.n_sentences, "tokens": report.n_tokens, "types": report.n_types}
    _emit(args, data, "\n".join(f"{k}: {v}" for k, v in data.items()))


def cmd_train(args, engine, progress, cancel):
    from engine.words.trainer import SkipGramSettings

    settings = SkipGramSettings(
        dim=args.dim, window=args.window, negative=args.negative, epochs=args.epochs,
        min_count=args.min_count, sample=args.sample, alpha=args.alpha, seed=args.seed,
        threads=args.threads, device=args.device, backend=args.backend,
        output_weight=args.output_weight, programs=args.programs,
    )
    space = engine.handle(api.TrainWords(args.corpus, args.out, settings, not args.no_resume),
                          progress, cancel)
    warnings = list(space.info.get("corpus_warnings", []))
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    data = {"out": str(args.out), "words": len(space), "dim": space.dim,
            "epochs_done": space.info.get("epochs_done"), "device": space.info.get("device"),
            "backend": space.info.get("backend"), "corpus_warnings": warnings}
    _emit(args, data, "\n".join(f"{k}: {v}" for k, v in data.items()))


def cmd_neighbours(args, engine, progress, cancel):
    ans = engine.handle(api.Neighbours(args.word, args.k, args.metric, args.space))
    _emit(args, [s.to_json() for s in ans.items], _scored_table(ans.items))


def cmd_analogy(args, engine, progress, cancel):
    ans = engine.handle(api.Analogy(args.a, args.b, args.c, args.k, args.method, args.space))
    _emit(args, [s.to_json() for s in ans.items], _scored_table(ans.items))


def cmd_vector(args, engine, progress, cancel):
    vec = engine.handle(api.VectorOf(args.word, args.space))
    _emit(args, {"word": args.word, "vector": [round(float(x), 6) for x in vec]},
          " ".join(f"{x:.6f}" for x in vec))


def cmd_eval(args, engine, progress, cancel):
    result = engine.handle(api.Evaluate(args.space, args.vocab), progress, cancel)
    data = result.to_json(with_failures=args.failures)
    lines = [f"analogy accuracy ({args.vocab:,} words): {result.analogy_accuracy:.4f} "
             f"({result.analogy_correct}/{result.analogy_covered} covered of "
             f"{result.analogy_total})"]
    lines += [f"  {s.section:<28} {s.accuracy:.3f}  ({s.correct}/{s.covered})"
              for s in result.sections]
    lines += [f"{s.name}: spearman {s.spearman:.4f} ({s.pairs_used} pairs, {s.pairs_oov} OOV)"
              for s in result.similarity]
    _emit(args, data, "\n".join(lines))


def cmd_project(args, engine, progress, cancel):
    from engine.storage import export_coordinates_csv

    params = {}
    if args.method == "umap":
        params = {"n_neighbors": args.neighbors, "min_dist": args.min_dist}
    elif args.method == "tsne":
        params = {"perplexity": args.perplexity}
    proj = engine.handle(api.Project(args.method, args.dims, args.seed, args.limit, params,
                                     args.space), progress, cancel)
    if args.out:
        export_coordinates_csv(list(proj.keys), proj.coords, args.out)
    data = {"out": str(args.out) if args.out else None, "points": len(proj.keys),
            "dims": int(proj.coords.shape[1]), "method": args.method,
            "seconds": round(proj.elapsed, 3)}
    _emit(args, data, "\n".join(f"{k}: {v}" for k, v in data.items()))


def cmd_cluster(args, engine, progress, cancel):
    import csv

    result = engine.handle(api.Cluster(args.k, args.seed, args.space), progress, cancel)
    if args.out:
        keys = engine.space(args.space).keys
        with open(args.out, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["word", "cluster"])
            writer.writerows(zip(keys, result.labels.tolist(), strict=True))
    clusters = [{"cluster": i, "size": size, "top_words": list(words)}
                for i, (size, words) in enumerate(zip(result.sizes, result.top_words,
                                                      strict=True))]
    data = {"out": str(args.out) if args.out else None, "k": result.k, "seed": result.seed,
            "inertia": round(result.inertia, 3), "iterations": result.iterations,
            "seconds": round(result.elapsed, 3), "clusters": clusters}
    lines = [f"{result.k} clusters, {result.iterations} iterations, inertia "
             f"{result.inertia:,.1f}, {result.elapsed:.2f} s"]
    lines += [f"{c['cluster']:>3}. {c['size']:>7,}  {', '.join(c['top_words'])}"
              for c in clusters]
    _emit(args, data, "\n".join(lines))


def cmd_import(args, engine, progress, cancel):
    from engine.storage import save_space

    space = engine.handle(api.ImportVectors(args.path, args.format))
    save_space(space, args.out)
    data = {"out": str(args.out), "words": len(space), "dim": space.dim}
    _emit(args, data, "\n".join(f"{k}: {v}" for k, v in data.items()))


def cmd_export(args, engine, progress, cancel):
    engine.handle(api.ExportVectors(args.out, args.format, args.space))
    _emit(args, {"out": str(args.out), "format": args.format}, f"wrote {args.out}")


def cmd_export_neighbours(args, engine, progress, cancel):
    from engine.storage import export_neighbours_csv

    rows = []
    for word in args.words:
        ans = engine.handle(api.Neighbours(word, args.k, args.metric, args.space))
        rows += [(word, rank, s.word, s.score) for rank, s in enumerate(ans.items, 1)]
    export_neighbours_csv(rows, args.out)
    _emit(args, {"out": str(args.out), "rows": len(rows)}, f"wrote {len(rows)} rows to {args.out}")


def cmd_align(args, engine, progress, cancel):
    result = engine.handle(api.Align(args.space, args.to, args.out, args.vocab or None,
                                     args.test, args.seed, args.method), progress, cancel)
    data = {"space": str(args.space or "default"), "to": str(args.to),
            "out": str(args.out), **result.summary(),
            "most_changed": [c.to_json() for c in result.changed]}
    lines = [f"aligned {data['space']} to {data['to']} ({args.method}) -> {args.out}",
             f"shared words: {result.shared:,} (fitted on {result.train_words:,}, "
             f"held out {result.test_words:,}, seed {result.seed})",
             f"held-out precision@1 {result.precision_at_1:.3f}, precision@5 "
             f"{result.precision_at_5:.3f} (searching {result.search_size:,} target words)"]
    if result.identity_precision_at_1 is not None:
        lines.append(f"  without the rotation: precision@1 "
                     f"{result.identity_precision_at_1:.3f}")
    lines.append(f"mean overlap of the 10 nearest shared words: {result.mean_overlap:.3f}; "
                 "least alike:")
    lines += [f"  {c.word:<16} overlap {c.overlap:.1f}  here: {', '.join(c.in_space[:5])}"
              f"  |  there: {', '.join(c.in_target[:5])}" for c in result.changed]
    _emit(args, data, "\n".join(lines))


def cmd_spaces(args, engine, progress, cancel):
    from engine.spaces.named import named_spaces

    entries = named_spaces()
    data = [{"name": e.name, "title": e.title, "description": e.description,
             "available": e.available, "install": e.install_hint or None} for e in entries]
    lines = []
    for e in entries:
        lines.append(f"{e.name:<16} {e.title}" + ("" if e.available else "  (not installed)"))
        if e.install_hint:
            lines.append(f"{'':<16} {e.install_hint}")
    _emit(args, data, "\n".join(lines))


def cmd_images_label(args, engine, progress, cancel):
    results = engine.handle(api.LabelImages(tuple(args.images), (args.model,), args.k,
                                            args.models),
                            progress, cancel)
    data = {str(given): r.to_json() for given, r in zip(args.images, results, strict=True)}
    lines = []
    for given, r in zip(args.images, results, strict=True):
        lines.append(str(given))
        if r.error:
            lines.append(f"  error: {r.error.splitlines()[0]}")
        for model, labels in r.by_model.items():
            lines.append(f"  {model}: " + ", ".join(f"{x.label} {x.score:.3f}" for x in labels))
    for r in results:
        if r.error:
            print(f"error: {r.error}", file=sys.stderr)
    _emit(args, data, "\n".join(lines))
    return 2 if any(r.error for r in results) else 0


def cmd_images_eval(args, engine, progress, cancel):
    report = engine.handle(api.EvaluateImageModels(args.space, args.dataset, args.seed),
                           progress, cancel)
    lines = [f"word space: {report['word_space']}; labels seen {report['labels']['seen']}, "
             f"unseen {report['labels']['unseen']}; pictures {report['pictures']}",
             "held-out pictures of seen labels:   p@1    p@10"]
    for name, r in [*report["held_out_seen_labels"].items(),
                    ("chance", report["held_out_chance"])]:
        lines.append(f"  {name:<30} {r['precision_at_1']:.3f}  {r['precision_at_10']:.3f}")
    if report.get("held_out_other_style"):
        lines.append("held-out emoji of seen labels, in another style:   p@1    p@10")
        for name, r in report["held_out_other_style"].items():
            lines.append(f"  {name:<30} {r['precision_at_1']:.3f}  "
                         f"{r['precision_at_10']:.3f}")
    if not report["zero_shot"]:
        lines.append("zero-shot: no labels held out (the picture set has no zero-shot "
                     "pictures)")
    else:
        lines.append("zero-shot (unseen only | unseen + seen): hit@1 hit@5 hit@10")
    for name, r in [*report["zero_shot"].items(),
                    *([("chance", report["chance"])] if report["chance"] else [])]:
        a, b = r["unseen_only"], r["unseen_and_seen"]
        lines.append(f"  {name:<22} " + " ".join(f"{a[f'hit_at_{k}']:.3f}" for k in (1, 5, 10))
                     + " | " + " ".join(f"{b[f'hit_at_{k}']:.3f}" for k in (1, 5, 10)))
    _emit(args, report, "\n".join(lines))


def cmd_images_build_default_models(args, engine, progress, cancel):
    report = engine.handle(api.BuildImageModels(args.out), progress, cancel)
    _emit(args, report, "\n".join(f"{k}: {v}" for k, v in report.items()))


def cmd_images_build_atlas(args, engine, progress, cancel):
    report = engine.handle(api.BuildAtlas(args.out), progress, cancel)
    _emit(args, report, "\n".join(f"{k}: {v}" for k, v in report.items()))


def cmd_images_build_dataset(args, engine, progress, cancel):
    report = engine.handle(api.BuildImageDataset(args.out, args.source, args.seed,
                                                 args.zero_shot_share, args.test_share),
                           progress, cancel)
    _emit(args, report, "\n".join(f"{k}: {v}" for k, v in report.items()))


def cmd_images_train(args, engine, progress, cancel):
    request = api.TrainImageModels(args.out, tuple(args.models), args.epochs, args.space,
                                   not args.no_restyled, args.seed, args.dataset)
    report = engine.handle(request, progress, cancel)
    lines = [f"{report['labels']:,} labels, {report['training_pictures']:,} training "
             f"pictures ({report['training_rows']:,} views), {report['epochs']} epochs"]
    for name, r in report["models"].items():
        held = r["held_out"]
        scores = (f"held-out p@1 {held['precision_at_1']:.3f}, p@10 "
                  f"{held['precision_at_10']:.3f}" if held else "no held-out pictures")
        if r["other_style"]:
            scores += f"; other style p@10 {r['other_style']['precision_at_10']:.3f}"
        lines.append(f"  {name:<14} {scores} ({r['seconds']:.1f} s)")
    chance = report["chance"]
    lines.append(f"  {'chance':<14} p@1 {chance['precision_at_1']:.3f}, p@10 "
                 f"{chance['precision_at_10']:.3f}")
    if report["out"]:
        lines.append(f"saved to {report['out']}: label with it by "
                     f"python -m engine images label --models {report['out']} PICTURE")
    _emit(args, report, "\n".join(lines))


# ---- audio subcommands --------------------------------------------------------------
def cmd_audio_build_dataset(args, engine, progress, cancel):
    report = engine.handle(api.BuildAudioDataset(args.out, args.words, args.held_out_words,
                                                 args.seed, args.espeak_per_word,
                                                 args.source), progress, cancel)
    _emit(args, report, "\n".join(f"{k}: {v}" for k, v in report.items()))


def _candidates(args) -> tuple[str, ...] | None:
    if getattr(args, "candidates", None) is None:
        return None
    from engine.audio.ranking import read_candidates

    return tuple(read_candidates(args.candidates))


def cmd_audio_train(args, engine, progress, cancel):
    report = engine.handle(api.TrainAudioModels(args.dataset, args.out, args.epochs,
                                                args.letter_epochs, args.seed,
                                                not args.no_eval), progress, cancel)
    lines = [f"saved: {report['out']}",
             f"acoustic model: {report['acoustic']['seconds']:.0f} s, validation top-1 "
             f"{report['acoustic']['history'][-1]['val_top1']:.3f}"]
    if "evaluation" in report:
        lines.append(_audio_eval_text(report["evaluation"]))
    _emit(args, report, "\n".join(lines))


def _audio_eval_text(e: dict) -> str:
    i, o = e["in_vocabulary"], e["out_of_vocabulary"]
    return "\n".join([
        f"held-out voices ({e['test_voices']}), heard words ({i['clips']:,} clips):",
        f"  classifier top-1 {i['classifier']['top1']:.3f}  top-10 "
        f"{i['classifier']['top10']:.3f}  (chance {e['chance']['classifier_top1']:.4f})",
        f"  letters    top-1 {i['letters']['top1']:.3f}  top-10 {i['letters']['top10']:.3f}"
        f"  (among {e['candidates']:,} candidates)",
        f"held-out words ({o['clips']:,} clips): letters top-1 {o['letters']['top1']:.3f}  "
        f"top-10 {o['letters']['top10']:.3f}",
        f"same-different AP {e['same_different_ap']:.3f}; letter distance vs phoneme edit "
        f"distance: Spearman {e['sound_alike_spearman']:.3f}"])


def _clip_set_text(r: dict) -> str:
    def hits(h):
        return (f"top-1 {h['top1']:.3f}  top-10 {h['top10']:.3f}  ({h['clips']:,} clips)"
                if h["clips"] else "no clips")

    lines = [f"{r['source']}: {r['clips']:,} clips of {r['words']:,} words",
             f"  heard words, classifier: {hits(r['heard_words']['classifier'])}",
             f"  heard words, letters:    {hits(r['heard_words']['letters'])}",
             f"  other words, letters:    {hits(r['unheard_words']['letters'])}  "
             f"(among {r['candidates']:,} candidates)"]
    lines += [f"  skipped {s['path']}: {s['why'].splitlines()[0]}" for s in r["skipped"]]
    return "\n".join(lines)


def cmd_audio_eval(args, engine, progress, cancel):
    report = engine.handle(api.EvaluateAudioModels(args.models, args.dataset, args.clips,
                                                   _candidates(args)), progress, cancel)
    if args.clips is not None:
        _emit(args, report, _clip_set_text(report))
        return 0
    _emit(args, report, _audio_eval_text(report))


def cmd_audio_rank(args, engine, progress, cancel):
    results = engine.handle(api.RankAudio(tuple(args.files), args.k, _candidates(args),
                                          args.models), progress, cancel)
    lines = []
    for r in results:
        lines.append(r.source)
        if r.error:
            lines.append(f"  error: {r.error.splitlines()[0]}")
            print(f"error: {r.error}", file=sys.stderr)
            continue
        for note in r.notes:
            lines.append(f"  note: {note}")
        lines.append("  by sound:    " + ", ".join(f"{s.word} {s.score:.3f}"
                                                   for s in r.classifier))
        lines.append("  by spelling: " + ", ".join(f"{s.word} {s.score:.3f}"
                                                   for s in r.letters))
    _emit(args, [r.to_json() for r in results], "\n".join(lines))
    return 2 if any(r.error for r in results) else 0


def cmd_audio_record(args, engine, progress, cancel):
    from engine.audio.capture import record
    from engine.audio.signal import SAMPLE_RATE

    print(f"Recording {args.seconds:g} s: say one word now.", file=sys.stderr)
    device = int(args.device) if args.device and args.device.isdigit() else args.device
    samples = record(args.seconds, device, progress, cancel)
    if args.out is not None:
        import soundfile

        from engine.storage import atomic_writer

        with atomic_writer(args.out, "wb") as f:
            soundfile.write(f, samples, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    r = engine.handle(api.RankTake(samples, SAMPLE_RATE, args.k, _candidates(args),
                                   args.models), progress, cancel)
    data = {**r.to_json(), "saved": str(args.out) if args.out else None}
    lines = [f"note: {n}" for n in r.notes]
    lines.append("by sound:    " + ", ".join(f"{s.word} {s.score:.3f}" for s in r.classifier))
    lines.append("by spelling: " + ", ".join(f"{s.word} {s.score:.3f}" for s in r.letters))
    _emit(args, data, "\n".join(lines))


def cmd_audio_devices(args, engine, progress, cancel):
    from engine.audio.capture import input_devices

    devices = input_devices()
    _emit(args, devices, "\n".join(f"{d['index']:>3}. {d['name']} ({d['channels']} ch, "
                                   f"{d['rate']:.0f} Hz)" for d in devices)
          or "no input device")


def cmd_audio_sounds_like(args, engine, progress, cancel):
    items = engine.handle(api.SoundsLike(args.word, args.k, _candidates(args), args.models),
                          progress, cancel)
    _emit(args, [s.to_json() for s in items], _scored_table(items))


def cmd_build_default_space(args, engine, progress, cancel):
    from engine.words.default_space import build_default_space

    manifest = build_default_space(progress=progress, cancel=cancel, epochs=args.epochs)
    _emit(args, manifest, json.dumps(manifest.get("metrics", {}), indent=1))


def cmd_build_default_projections(args, engine, progress, cancel):
    from engine.words.default_space import build_default_projections

    names = build_default_projections(progress=progress, cancel=cancel)
    _emit(args, {"projections": names}, "\n".join(names))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m engine",
        description="Embedding Explorer engine: train and query embedding spaces headless.",
    )
    modalities = parser.add_subparsers(dest="modality", required=True, metavar="SPACE")
    words = modalities.add_parser("words", help="skip-gram word spaces")
    sub = words.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help_):
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        p.add_argument("--json", action="store_true", help="print JSON on stdout")
        return p

    def with_space(p):
        p.add_argument("--space", type=Path, default=None,
                       help="space folder, vector file, or a named space: default, "
                            "glove-6b-50d (see: words spaces)")
        return p

    p = command("build-corpus", cmd_build_corpus,
                "build the default English corpus from Debian packages")
    p.add_argument("--out", type=Path, default=None, help="corpus text file to write")

    p = command("train", cmd_train, "train skip-gram vectors on a corpus")
    p.add_argument("--corpus", type=Path, default=None,
                   help="text file or folder (default: the default corpus)")
    p.add_argument("--out", type=Path, required=True, help="folder for the trained space")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-3)
    p.add_argument("--alpha", type=float, default=0.025)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--output-weight", type=float, default=0.0,
                   help="publish input + W x output vectors (Levy et al. 2015's w+c); 0: input")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--backend", choices=["auto", "numba", "triton", "torch"], default="auto",
                   help="auto: numba on the CPU, triton on CUDA (torch where triton is missing)")
    p.add_argument("--programs", type=int, default=1024,
                   help="triton: GPU programs training at once (more: faster, staler rows)")
    p.add_argument("--no-resume", action="store_true",
                   help="start afresh even if OUT holds a matching checkpoint")

    p = with_space(command("neighbours", cmd_neighbours, "nearest words to WORD"))
    p.add_argument("word")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--metric", choices=["cosine", "euclidean"], default="cosine")

    p = with_space(command("analogy", cmd_analogy,
                           "A - B + C (rome italy germany asks for berlin)"))
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("c")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--method", choices=["add", "mul"], default="add")

    p = with_space(command("vector", cmd_vector, "print the vector of WORD"))
    p.add_argument("word")

    p = with_space(command("eval", cmd_eval,
                           "analogy accuracy and SimLex-999 / WordSim-353 Spearman"))
    p.add_argument("--vocab", type=int, default=30_000,
                   help="restrict analogies to the N most frequent words")
    p.add_argument("--failures", action="store_true", help="list failed analogies (JSON)")

    p = with_space(command("project", cmd_project, "project the space to 2D or 3D"))
    p.add_argument("--method", choices=["pca", "umap", "tsne"], default="pca")
    p.add_argument("--dims", type=int, choices=[2, 3], default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="only the N most frequent words")
    p.add_argument("--neighbors", type=int, default=15, help="UMAP n_neighbors")
    p.add_argument("--min-dist", type=float, default=0.1, help="UMAP min_dist")
    p.add_argument("--perplexity", type=float, default=30.0, help="t-SNE perplexity")
    p.add_argument("--out", type=Path, default=None, help="coordinates CSV to write")

    p = with_space(command("cluster", cmd_cluster,
                           "spherical k-means of the space's vectors (largest cluster 0)"))
    p.add_argument("-k", type=int, default=20, help="number of clusters")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help="CSV of word,cluster to write")

    formats = ["word2vec-text", "word2vec-binary", "glove", "fasttext-vec", "tf-projector",
               "native"]
    p = command("import", cmd_import, "import vectors into a native space folder")
    p.add_argument("path", type=Path)
    p.add_argument("--format", choices=formats, default=None, help="default: autodetect")
    p.add_argument("--out", type=Path, required=True)

    p = with_space(command("export", cmd_export, "export a space to another format"))
    p.add_argument("--format", choices=formats, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = with_space(command("export-neighbours", cmd_export_neighbours,
                           "write the neighbours of WORDS to a CSV file"))
    p.add_argument("words", nargs="+")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--metric", choices=["cosine", "euclidean"], default="cosine")
    p.add_argument("--out", type=Path, required=True)

    p = with_space(command("align", cmd_align,
                           "rotate a space onto another (orthogonal Procrustes on their "
                           "shared words), score it on held-out words, save it"))
    p.add_argument("--to", type=Path, required=True,
                   help="the target space (folder, vector file or name)")
    p.add_argument("--out", type=Path, required=True, help="folder for the aligned space")
    p.add_argument("--vocab", type=int, default=30_000,
                   help="use each space's N most frequent words (0: all)")
    p.add_argument("--test", type=int, default=2_000, help="shared words held out")
    p.add_argument("--seed", type=int, default=0, help="seed of the train/held-out split")
    p.add_argument("--method", choices=["orthogonal", "linear"], default="orthogonal",
                   help="orthogonal Procrustes, or an unconstrained least-squares map")

    command("spaces", cmd_spaces,
            "list the named spaces (--space NAME): the default one and pretrained ones")

    p = command("build-default-space", cmd_build_default_space,
                "rebuild resources/words/default-space (corpus, training, eval, projections)")
    p.add_argument("--epochs", type=int, default=None, help="override the default epochs")
    command("build-default-projections", cmd_build_default_projections,
            "rebuild resources/words/projections (PCA and UMAP layouts of the default space)")

    images = modalities.add_parser("images", help="the image-label space")
    images_sub = images.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def image_command(name, func, help_, description=None):
        p = images_sub.add_parser(name, help=help_, description=description or help_)
        p.set_defaults(func=func)
        p.add_argument("--json", action="store_true", help="print JSON on stdout")
        return p

    p = image_command("label", cmd_images_label, "ranked labels for pictures, per model")
    p.add_argument("images", type=Path, nargs="+", help="picture files")
    p.add_argument("--model", choices=["all", "classifier", "wsabie", "conse", "devise",
                                       "imagenet"], default="all",
                   help="all (default): every model; imagenet: the pretrained network's "
                        "own 1,000 classes")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--models", type=Path, default=None, metavar="FOLDER",
                   help="image models saved by 'images train --out' (default: the "
                        "shipped ones)")
    p = image_command("build-dataset", cmd_images_build_dataset,
                      "build a labelled picture set (default: Tux Paint stamps + emoji)",
                      "build the default labelled picture set from Debian's "
                      "tuxpaint-stamps-default and three emoji fonts, or with --from a "
                      "picture set of your own: a folder with one sub-folder per label, "
                      "or a CSV of path,label(s) (several labels a picture allowed)")
    p.add_argument("--out", type=Path, default=None,
                   help="dataset.json to write (default: in the cache)")
    p.add_argument("--from", dest="source", type=Path, default=None, metavar="FOLDER_OR_CSV",
                   help="your own labelled pictures")
    p.add_argument("--zero-shot-share", type=float, default=0.15,
                   help="with --from: share of the labels held out whole (default 0.15)")
    p.add_argument("--test-share", type=float, default=0.2,
                   help="with --from: share of the other labels' pictures that test "
                        "(default 0.2)")
    p.add_argument("--seed", type=int, default=0, help="with --from: the splits' seed")
    p = image_command("train", cmd_images_train,
                      "train image-label models on a picture set and score them",
                      "train the classifier, WSABIE (WARP, hinge) and DeViSE on a picture "
                      "set's training split, score each on its held-out pictures, and "
                      "with --out save a bundle 'images label --models' uses")
    p.add_argument("--dataset", type=Path, default=None, metavar="SET",
                   help="dataset.json, or a folder / CSV of your own (default: the "
                        "default set)")
    p.add_argument("--space", type=Path, default=None,
                   help="word space (default: ours; or glove-6b-50d)")
    p.add_argument("--out", type=Path, default=None, metavar="FOLDER",
                   help="save the classifier, WSABIE (WARP) and DeViSE here")
    p.add_argument("--models", nargs="+", default=["classifier", "wsabie_warp",
                                                   "wsabie_hinge", "devise"],
                   choices=["classifier", "wsabie_warp", "wsabie_hinge", "devise"])
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--no-restyled", action="store_true",
                   help="train without the restyled copies (ink, line drawing, pixel art, "
                        "greyscale), which take minutes to encode the first time")
    p.add_argument("--seed", type=int, default=0)
    p = image_command("build-default-models", cmd_images_build_default_models,
                      "train and ship the image-label models (resources/)",
                      "train the image-label models on the default picture set's training "
                      "split and save them")
    p.add_argument("--out", type=Path, default=None,
                   help="folder to save them in (default: resources/images/default-models)")
    p = image_command("build-atlas", cmd_images_build_atlas,
                      "draw the thumbnail atlas of the image-label space (resources/)",
                      "draw every picture of the default set small and place it with the "
                      "shipped WSABIE (build-default-models does this too)")
    p.add_argument("--out", type=Path, default=None,
                   help="folder to save it in (default: resources/images/thumbnails)")
    p = image_command("eval", cmd_images_eval, "train and score every image-label model",
                      "train every image-label model on the training split; score "
                      "held-out and zero-shot pictures")
    p.add_argument("--space", type=Path, default=None,
                   help="word space for ConSE and DeViSE (default: ours; or glove-6b-50d)")
    p.add_argument("--dataset", type=Path, default=None,
                   help="dataset.json, or a folder / CSV of your own (default: the "
                        "default set, built if missing)")
    p.add_argument("--seed", type=int, default=0)

    audio = modalities.add_parser("audio", help="the audio-word space")
    audio_sub = audio.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def audio_command(name, func, help_, description=None):
        p = audio_sub.add_parser(name, help=help_, description=description or help_)
        p.set_defaults(func=func)
        p.add_argument("--json", action="store_true", help="print JSON on stdout")
        return p

    p = audio_command("build-dataset", cmd_audio_build_dataset,
                      "say the vocabulary with Debian's speech synthesisers",
                      "say the default word space's most frequent pronounceable words "
                      "with espeak-ng, flite and festival voices; hold out whole voices "
                      "and whole words for testing (seeded)")
    p.add_argument("--out", type=Path, default=None,
                   help="folder (default: <cache>/audio/default-dataset; with --from, "
                        "<cache>/audio/user-sets/NAME-HASH)")
    p.add_argument("--from", dest="source", type=Path, default=None, metavar="FOLDER|CSV",
                   help="your own recordings instead: files named by word (water.wav, "
                        "water-2.wav), a folder per word, or a CSV of path,word[,speaker]; "
                        "whole speakers (3 or more named) or a share of each word's clips, "
                        "and 15%% of the words (10 or more), held out")
    p.add_argument("--words", type=int, default=2000, help="words the training voices say")
    p.add_argument("--held-out-words", type=int, default=500,
                   help="words only test voices say (out-of-vocabulary)")
    p.add_argument("--espeak-per-word", type=int, default=16,
                   help="espeak-ng training voices drawn for each word")
    p.add_argument("--seed", type=int, default=0)

    def with_models(p):
        p.add_argument("--models", type=Path, default=None, metavar="FOLDER",
                       help="audio models saved by 'audio train --out' (default: the "
                            "shipped ones)")
        return p

    p = audio_command("train", cmd_audio_train, "train the acoustic and letter models",
                      "train the whole-word acoustic model, then the letter model, on a "
                      "spoken-word set's training voices; score them on its held-out "
                      "voices and words; save them")
    p.add_argument("--dataset", type=Path, default=None,
                   help="folder made by build-dataset, or your own clips (a folder named "
                        "by word or a CSV of path,word); default: the default set")
    p.add_argument("--out", type=Path, default=None,
                   help="folder to save them in (default: resources/audio/default-models)")
    p.add_argument("--epochs", type=int, default=12, help="acoustic model epochs")
    p.add_argument("--letter-epochs", type=int, default=30, help="letter model epochs")
    p.add_argument("--no-eval", action="store_true", help="skip the evaluation")
    p.add_argument("--seed", type=int, default=0)
    p = with_models(audio_command("eval", cmd_audio_eval, "score audio models",
                                  "score audio models on a spoken-word set's held-out "
                                  "voices and words, or on your own clips"))
    p.add_argument("--dataset", type=Path, default=None)
    p.add_argument("--clips", type=Path, default=None, metavar="FOLDER|CSV",
                   help="your own recordings instead: a folder of files named by word "
                        "(water.wav, water-2.wav) or of one folder per word, or a CSV of "
                        "path,word")
    p.add_argument("--candidates", type=Path, default=None, metavar="FILE",
                   help="with --clips: words to rank by spelling besides the set's own")
    p = with_models(audio_command("rank", cmd_audio_rank, "rank words for sound files",
                                  "rank the vocabulary for each sound file (WAV, FLAC, "
                                  "OGG; any rate, mono or stereo) by sound"))
    p.add_argument("files", type=Path, nargs="+")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--candidates", type=Path, default=None, metavar="FILE",
                   help="words to rank by spelling, one per line (default: the models' "
                        "own list)")
    p = with_models(audio_command("record", cmd_audio_record,
                                  "record a word from the microphone and rank it"))
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--device", default=None,
                   help="input device index or name (default: the system's default)")
    p.add_argument("--out", type=Path, default=None, help="also save the take as a WAV")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--candidates", type=Path, default=None, metavar="FILE")
    audio_command("devices", cmd_audio_devices, "list the input devices")
    p = with_models(audio_command("sounds-like", cmd_audio_sounds_like,
                                  "words whose spelling sounds like WORD"))
    p.add_argument("word")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--candidates", type=Path, default=None, metavar="FILE")
    return parser


def main(argv: list[str] | None = None) -> int:
    from engine.engine import Engine

    args = build_parser().parse_args(argv)
    progress = ProgressBar()
    cancel = CancelToken()
    try:
        engine = Engine()
        for name in ("space", "to"):
            if getattr(args, name, None) is not None:
                # A pretrained space is converted on first use (seconds): with a progress
                # bar here, rather than silently inside the command.
                engine.space(getattr(args, name), progress=progress, cancel=cancel)
        status = args.func(args, engine, progress, cancel)
    except EngineError as e:
        progress.close()
        print(f"error: {e.message}", file=sys.stderr)
        if e.hint:
            print(e.hint, file=sys.stderr)
        return 2
    except Cancelled:
        progress.close()
        print("cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        cancel.cancel()
        progress.close()
        print("interrupted", file=sys.stderr)
        return 130
    progress.close()
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
