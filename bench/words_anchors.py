"""The two external skip-gram programs that bench.words compares against, besides gensim:
Mikolov's original word2vec C tool and Facebook's fastText (word vectors only, no
subwords). Each runs as a subprocess on the same corpus file (one tokenised sentence per
line) with the same settings; its wall time covers the whole process: reading the
corpus, its own vocabulary pass, training and writing the vectors. The vectors are then
read back through engine.storage and scored by engine.words.evaluate.evaluate_space.

Where they come from (neither is a dependency of the project):

* ``word2vec``: the PyPI package ``word2vec`` compiles the C tool on install
  (``gcc -Ofast -march=native -funroll-loops``) into the environment's bin folder;
  ``pip install word2vec``.
* ``fasttext``: Debian's ``fasttext`` package (``apt-get install fasttext``).
"""

from __future__ import annotations

import importlib.metadata
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.storage import import_vectors
from engine.words.evaluate import evaluate_space
from engine.words.trainer import SkipGramSettings

EXTERNAL = ("word2vec", "fasttext")
TIMING = ("wall time of the whole subprocess: reading the corpus, the tool's own "
          "vocabulary pass, training and writing the vectors")


class AnchorMissing(Exception):
    """The tool is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Tool:
    name: str
    binary: Path
    version: str
    build: str


def _banner(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (proc.stdout + proc.stderr).decode("utf-8", "replace")


def find_word2vec() -> Tool:
    """Mikolov's C tool, looked for beside this Python (a venv's bin/, where the PyPI
    package puts it) and then on PATH."""
    here = Path(sys.executable).parent / "word2vec"
    found = shutil.which("word2vec")
    for candidate in (here, Path(found) if found else None):
        if candidate is None or not candidate.is_file() or not os.access(candidate, os.X_OK):
            continue
        banner = _banner([str(candidate)])
        if "WORD VECTOR estimation toolkit" not in banner:
            continue  # some other program called word2vec
        toolkit = next((line.strip() for line in banner.splitlines()
                        if "toolkit" in line), "")
        try:
            version = f"word2vec {importlib.metadata.version('word2vec')} (PyPI)"
        except importlib.metadata.PackageNotFoundError:
            version = "word2vec (not from the PyPI package in this environment)"
        return Tool("word2vec", candidate, f"{version}, {toolkit}",
                    "compiled by the PyPI package on install: gcc -Ofast -march=native "
                    "-funroll-loops -pthread")
    raise AnchorMissing("word2vec C tool not found (looked in "
                        f"{here.parent} and on PATH): pip install word2vec")


def find_fasttext() -> Tool:
    found = shutil.which("fasttext")
    if not found or "usage: fasttext" not in _banner([found]):
        raise AnchorMissing("fasttext not found on PATH: apt-get install fasttext")
    version = "unknown"
    try:
        proc = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "fasttext"],
                              capture_output=True, text=True, timeout=30, check=False)
        if proc.returncode == 0 and proc.stdout.strip():
            version = f"Debian fasttext {proc.stdout.strip()}"
    except (OSError, subprocess.TimeoutExpired):
        pass
    return Tool("fasttext", Path(found), version, "Debian package build")


FINDERS: dict[str, Callable[[], Tool]] = {"word2vec": find_word2vec, "fasttext": find_fasttext}


def word2vec_command(tool: Tool, corpus: Path, out: Path, s: SkipGramSettings) -> list[str]:
    return [str(tool.binary), "-train", str(corpus), "-output", str(out),
            "-cbow", "0", "-size", str(s.dim), "-window", str(s.window),
            "-negative", str(s.negative), "-hs", "0", "-sample", repr(s.sample),
            "-threads", str(s.threads), "-iter", str(s.epochs),
            "-min-count", str(s.min_count), "-alpha", repr(s.alpha), "-binary", "1"]


def fasttext_command(tool: Tool, corpus: Path, prefix: Path, s: SkipGramSettings) -> list[str]:
    return [str(tool.binary), "skipgram", "-input", str(corpus), "-output", str(prefix),
            "-dim", str(s.dim), "-ws", str(s.window), "-neg", str(s.negative),
            "-t", repr(s.sample), "-thread", str(s.threads), "-epoch", str(s.epochs),
            "-minCount", str(s.min_count), "-lr", repr(s.alpha), "-minn", "0", "-maxn", "0",
            "-seed", str(s.seed)]


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_external(tool: Tool, corpus: Path, settings: SkipGramSettings,
                 raw_tokens: int) -> dict:
    """Train with ``tool``, time the subprocess, load and score its vectors. A failing
    run comes back as a dict with "error" instead of raising."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{tool.name}-") as tmp:
        work = Path(tmp)
        if tool.name == "word2vec":
            vectors, fmt = work / "vectors.bin", "word2vec-binary"
            cmd = word2vec_command(tool, corpus, vectors, settings)
            note = "no seed option (its generator starts from the thread number)"
        else:
            vectors, fmt = work / "vectors.vec", "fasttext-vec"
            cmd = fasttext_command(tool, corpus, work / "vectors", settings)
            note = "also writes the .bin model, inside the timed wall"
        log = work / "log.txt"
        load0 = os.getloadavg()[0]
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        with log.open("wb") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
        wall = time.perf_counter() - t0
        cpu = _children_cpu() - cpu0
        shown = [Path(c).name if c.startswith(tmp) else c for c in cmd]
        shown = [str(corpus) if c == str(corpus) else c for c in shown]
        base = {"name": f"{tool.version}, skip-gram, {settings.threads} threads",
                "device": "cpu", "version": tool.version, "build": tool.build,
                "command": " ".join(shown), "timing": TIMING, "note": note}
        if proc.returncode != 0 or not vectors.exists():
            tail = log.read_bytes()[-2000:].decode("utf-8", "replace").replace("\r", "\n")
            return {**base, "error": f"exit status {proc.returncode}: {tail.strip()}"}
        t1 = time.perf_counter()
        space = import_vectors(vectors, format=fmt)
        load = time.perf_counter() - t1
    # both tools sort their vocabulary by descending count (with "</s>", the line end
    # they count as a word, first), so the 30k analogy restriction matches ours
    raw = raw_tokens * settings.epochs
    return {
        **base,
        "wall_seconds": round(wall, 2),
        "end_to_end_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "raw_tokens_per_second": round(raw / wall),
        "end_to_end_raw_tokens_per_second": round(raw / wall),
        "load_seconds": round(load, 2),
        "loadavg_1min_before_after": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "vocabulary": len(space),
        "metrics": evaluate_space(space).to_json(),
    }
