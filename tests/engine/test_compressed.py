"""Compressed corpora and vector files (.gz, .bz2, .xz) read like plain ones."""

from __future__ import annotations

import bz2
import gzip
import lzma

import numpy as np
import pytest

from engine import storage
from engine.compressed import inner_suffix
from engine.errors import EngineError
from engine.spaces import EmbeddingSpace
from engine.words.corpus import iter_corpus_sentences

COMPRESSORS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}
TEXT = "The cat sat on the mat. A dog barked!\nsecond line here\n" * 200


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_a_compressed_corpus_reads_like_the_plain_file(tmp_path, suffix):
    plain = tmp_path / "corpus.txt"
    plain.write_text(TEXT, encoding="utf-8")
    packed = tmp_path / f"corpus.txt{suffix}"
    packed.write_bytes(COMPRESSORS[suffix](TEXT.encode()))
    fractions = []
    got = list(iter_corpus_sentences(packed, progress=lambda p: fractions.append(p.fraction)))
    assert got == list(iter_corpus_sentences(plain))
    assert fractions[-1] == 1.0 and max(fractions) <= 1.0


def test_a_damaged_gzip_corpus_is_a_clear_error(tmp_path):
    packed = tmp_path / "corpus.txt.gz"
    data = gzip.compress(TEXT.encode() * 50)
    packed.write_bytes(data[: len(data) // 2])  # cut short
    with pytest.raises(EngineError, match="damaged or cut short"):
        list(iter_corpus_sentences(packed))


def test_a_damaged_file_in_a_corpus_folder_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "good.txt.gz").write_bytes(gzip.compress(TEXT.encode()))
    (tmp_path / "bad.txt.gz").write_bytes(b"\x1f\x8b not really gzip")
    warnings: list[str] = []
    sentences = list(iter_corpus_sentences(tmp_path, warnings=warnings))
    assert sentences and any("bad.txt.gz" in w and "damaged" in w for w in warnings)


def small_space() -> EmbeddingSpace:
    rng = np.random.default_rng(0)
    keys = tuple(f"w{i}" for i in range(50))
    return EmbeddingSpace(keys, rng.standard_normal((50, 8)).astype(np.float32))


@pytest.mark.parametrize("fmt, name", [("word2vec-binary", "vectors.bin"),
                                       ("word2vec-text", "vectors.txt"),
                                       ("glove", "glove.txt")])
@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_compressed_vector_files_import_like_plain_ones(tmp_path, fmt, name, suffix):
    space = small_space()
    plain = tmp_path / name
    storage.export_vectors(space, plain, fmt)
    packed = tmp_path / f"{name}{suffix}"
    packed.write_bytes(COMPRESSORS[suffix](plain.read_bytes()))
    assert storage.detect_format(packed) == storage.detect_format(plain)
    got = storage.import_vectors(packed)
    assert got.keys == space.keys
    np.testing.assert_allclose(got.vectors, space.vectors, atol=1e-5)


def test_a_truncated_compressed_binary_names_the_file(tmp_path):
    space = small_space()
    plain = tmp_path / "vectors.bin"
    storage.export_vectors(space, plain, "word2vec-binary")
    data = gzip.compress(plain.read_bytes())
    packed = tmp_path / "vectors.bin.gz"
    packed.write_bytes(data[: len(data) // 2])
    with pytest.raises(EngineError, match="vectors.bin.gz.*damaged or cut short"):
        storage.import_vectors(packed)


def test_inner_suffix_looks_through_the_compression():
    assert inner_suffix("GoogleNews-vectors-negative300.bin.gz") == ".bin"
    assert inner_suffix("wiki.en.vec.xz") == ".vec"
    assert inner_suffix("plain.txt") == ".txt"
