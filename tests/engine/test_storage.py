"""Native save/load, interop import/export and CSV files, on tiny hand-made spaces."""

from __future__ import annotations

import csv
import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from engine import storage
from engine.errors import EngineError
from engine.jobs import Cancelled, CancelToken
from engine.spaces.embedding_space import EmbeddingSpace
from engine.storage import (
    atomic_write_bytes,
    atomic_write_text,
    atomic_writer,
    detect_format,
    export_coordinates_csv,
    export_neighbours_csv,
    export_tf_projector,
    export_vectors,
    file_sha256,
    import_glove,
    import_vectors,
    import_word2vec_binary,
    import_word2vec_text,
    load_coordinates_csv,
    load_space,
    save_space,
)


def make_space(keys=("king", "queen", "naïve", "東京"), dim=3, metadata=None, info=None):
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(keys), dim)).astype(np.float32)
    return EmbeddingSpace(tuple(keys), vectors, metadata or {}, "words", info or {})


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def rehash(space_dir: Path) -> None:
    """Make the manifest vouch for files a test tampered with, to reach later checks."""
    manifest = json.loads((space_dir / "manifest.json").read_text("utf-8"))
    for name in manifest["sha256"]:
        manifest["sha256"][name] = file_sha256(space_dir / name)
    (space_dir / "manifest.json").write_text(json.dumps(manifest), "utf-8")


# ---- atomic helpers --------------------------------------------------------------------
def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "one\n")
    atomic_write_bytes(target, b"two\n")
    assert target.read_bytes() == b"two\n"
    assert listing(tmp_path) == ["a.txt"]
    assert file_sha256(target) == hashlib.sha256(b"two\n").hexdigest()


def test_atomic_writer_failure_keeps_the_old_file(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old\n")
    with pytest.raises(RuntimeError), atomic_writer(target, "w") as f:
        f.write("half")
        raise RuntimeError("crash")
    assert target.read_text() == "old\n"
    assert listing(tmp_path) == ["a.txt"]


# ---- native format ---------------------------------------------------------------------
def test_native_round_trip_keeps_keys_vectors_metadata_types_and_info(tmp_path):
    keys = ("king", "naïve", "東京", "😀", "a b", "back\\slash", "", "u\u2028sep\x85")
    metadata = {
        "count": [50, 40, 30, 20, 10, 5, 1, 0],
        "score": [0.5, 1.25, -3.0, 1e-9, 2.0, 0.0, 7.5, float("inf")],
        "note": ["x", "tab\there", "line\nbreak", "\\t literal", "", "ü", "z", "\u2028"],
        "flag": [True, False, True, True, False, False, True, False],
        "misc": [None, 1, "a", [1, 2], {"k": 3}, 2.5, None, "\t"],
        "np_int": list(np.arange(8, dtype=np.int64)),
    }
    info = {"corpus_sha256": "abc", "epochs": np.int64(3), "loss": [1.5, 1.25]}
    space = make_space(keys, metadata=metadata, info=info)
    save_space(space, tmp_path / "space")
    loaded = load_space(tmp_path / "space")

    assert loaded.keys == keys
    assert loaded.vectors.dtype == np.float32
    assert np.array_equal(loaded.vectors, space.vectors)
    assert loaded.kind == "words"
    assert dict(loaded.info) == {"corpus_sha256": "abc", "epochs": 3, "loss": [1.5, 1.25]}
    assert {k: list(v) for k, v in loaded.metadata.items()} == {
        **metadata, "np_int": list(range(8)),
    }
    assert all(type(v) is int for v in loaded.metadata["count"])
    assert all(type(v) is float for v in loaded.metadata["score"])
    manifest = json.loads((tmp_path / "space" / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == "embedding-explorer-space" and manifest["version"] == 1
    assert (manifest["count"], manifest["dim"], manifest["dtype"]) == (8, 3, "float32")
    assert manifest["columns"]["count"] == "int" and manifest["columns"]["note"] == "str"


def test_float16_halves_the_file_and_loads_as_float32(tmp_path):
    space = make_space(dim=64)
    save_space(space, tmp_path / "f32")
    save_space(space, tmp_path / "f16", dtype="float16")
    stored = np.load(tmp_path / "f16" / "vectors.npy", allow_pickle=False)
    assert stored.dtype == np.float16
    assert (tmp_path / "f16" / "vectors.npy").stat().st_size < (
        0.6 * (tmp_path / "f32" / "vectors.npy").stat().st_size
    )
    loaded = load_space(tmp_path / "f16")
    assert loaded.vectors.dtype == np.float32
    assert np.allclose(loaded.vectors, space.vectors, rtol=1e-3, atol=1e-3)


def test_float16_refuses_values_it_cannot_hold(tmp_path):
    space = EmbeddingSpace(("a",), np.array([[1e6, 0.0]], np.float32))
    with pytest.raises(EngineError, match="float16"):
        save_space(space, tmp_path / "s", dtype="float16")
    assert listing(tmp_path) == []


@pytest.mark.parametrize("bad", ["tab\tkey", "new\nline", "cr\rkey"])
def test_keys_with_tabs_or_line_breaks_are_refused(tmp_path, bad):
    with pytest.raises(EngineError, match=r"tab|line break|carriage return"):
        save_space(make_space(("ok", bad)), tmp_path / "s")
    assert listing(tmp_path) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "rename-aside"])
def test_overwrite_swaps_in_the_new_space_and_leaves_no_temp_folders(tmp_path, monkeypatch,
                                                                     exchange):
    if not exchange:
        monkeypatch.setattr(storage.atomic, "_rename_exchange", lambda a, b: False)
    save_space(make_space(("a", "b")), tmp_path / "s")
    save_space(make_space(("x", "y", "z")), tmp_path / "s")
    assert load_space(tmp_path / "s").keys == ("x", "y", "z")
    assert listing(tmp_path) == ["s"]
    assert listing(tmp_path / "s") == ["keys.tsv", "manifest.json", "vectors.npy"]


def test_a_failed_save_keeps_the_old_space_and_cleans_up(tmp_path, monkeypatch):
    save_space(make_space(("a", "b")), tmp_path / "s")

    def crash(path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.native, "file_sha256", crash)
    with pytest.raises(EngineError, match="No space left"):
        save_space(make_space(("x", "y")), tmp_path / "s")
    assert load_space(tmp_path / "s").keys == ("a", "b")
    assert listing(tmp_path) == ["s"]


def test_save_never_replaces_a_folder_that_is_not_a_space(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("precious")
    with pytest.raises(EngineError, match="not a saved space"):
        save_space(make_space(), tmp_path / "docs")
    assert (tmp_path / "docs" / "thesis.tex").read_text() == "precious"


@pytest.mark.parametrize("name", ["vectors.npy", "keys.tsv"])
def test_a_tampered_file_fails_the_checksum(tmp_path, name):
    save_space(make_space(), tmp_path / "s")
    path = tmp_path / "s" / name
    data = bytearray(path.read_bytes())
    data[-2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(EngineError, match="sha256") as err:
        load_space(tmp_path / "s")
    assert name in str(err.value)


def test_manifest_problems_are_named(tmp_path):
    save_space(make_space(), tmp_path / "s")
    manifest_path = tmp_path / "s" / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))

    manifest_path.write_text(json.dumps({**manifest, "version": 2}), "utf-8")
    with pytest.raises(EngineError, match="version 2") as err:
        load_space(tmp_path / "s")
    assert "manifest.json" in str(err.value) and "Update" in err.value.hint

    manifest_path.write_text('{"format": "embedding-explorer-space",\n "version": }', "utf-8")
    with pytest.raises(EngineError, match=r"manifest\.json, line 2: not valid JSON"):
        load_space(tmp_path / "s")

    manifest_path.write_text(json.dumps({**manifest, "dtype": "int8"}), "utf-8")
    with pytest.raises(EngineError, match="'dtype'"):
        load_space(tmp_path / "s")


def test_missing_folder_and_missing_file(tmp_path):
    with pytest.raises(EngineError, match="no such folder"):
        load_space(tmp_path / "nope")
    save_space(make_space(), tmp_path / "s")
    (tmp_path / "s" / "keys.tsv").unlink()
    with pytest.raises(EngineError, match=r"keys\.tsv.*missing"):
        load_space(tmp_path / "s")


def test_pickled_vectors_are_never_unpickled(tmp_path):
    save_space(make_space(), tmp_path / "s")
    np.save(tmp_path / "s" / "vectors.npy", np.array([{"x": 1}], dtype=object),
            allow_pickle=True)
    rehash(tmp_path / "s")
    with pytest.raises(EngineError, match=r"vectors\.npy"):
        load_space(tmp_path / "s")


def test_shape_and_key_count_must_match_the_manifest(tmp_path):
    save_space(make_space(), tmp_path / "s")
    np.save(tmp_path / "s" / "vectors.npy", np.zeros((4, 5), np.float32))
    rehash(tmp_path / "s")
    with pytest.raises(EngineError, match=r"vectors\.npy.*shape \(4, 5\)"):
        load_space(tmp_path / "s")

    save_space(make_space(), tmp_path / "t")
    keys = tmp_path / "t" / "keys.tsv"
    keys.write_text(keys.read_text("utf-8") + "extra\n", "utf-8")
    rehash(tmp_path / "t")
    with pytest.raises(EngineError, match=r"keys\.tsv, line 6: .*5 keys"):
        load_space(tmp_path / "t")


def test_bad_rows_in_keys_tsv_name_the_line(tmp_path):
    save_space(make_space(("a", "b", "c"), metadata={"count": [3, 2, 1]}), tmp_path / "s")
    keys = tmp_path / "s" / "keys.tsv"
    keys.write_text("key\tcount\na\t3\nb\ttwo\nc\t1\n", "utf-8")
    rehash(tmp_path / "s")
    with pytest.raises(EngineError, match=r"keys\.tsv, line 3: column 'count': 'two'"):
        load_space(tmp_path / "s")
    keys.write_text("key\tcount\na\t3\nb\t2\na\t1\n", "utf-8")
    rehash(tmp_path / "s")
    with pytest.raises(EngineError, match=r"line 4: .*'a'.*line 2"):
        load_space(tmp_path / "s")


# ---- interop round trips and detection ---------------------------------------------------
INTEROP = [
    ("word2vec-text", "v.txt"),
    ("fasttext-vec", "v.vec"),
    ("glove", "glove.txt"),
    ("word2vec-binary", "v.bin"),
    ("tf-projector", "projector"),
    ("native", "space"),
]


@pytest.mark.parametrize(("fmt", "name"), INTEROP)
def test_every_format_round_trips_and_is_detected(tmp_path, fmt, name):
    space = make_space(("the", "naïve", "東京", "😀", "x-ray", "u\u2028v\x85"), dim=4)
    written = export_vectors(space, tmp_path / name, fmt)
    assert written.exists()
    assert detect_format(tmp_path / name) == fmt
    for loaded in (import_vectors(tmp_path / name), import_vectors(tmp_path / name, fmt)):
        assert loaded.keys == space.keys
        assert np.allclose(loaded.vectors, space.vectors, rtol=0, atol=0)
    assert not [p for p in tmp_path.rglob(".*")], "temporary files were left behind"


def test_binary_is_detected_from_content_without_the_bin_suffix(tmp_path):
    export_vectors(make_space(), tmp_path / "model.w2v", "word2vec-binary")
    assert detect_format(tmp_path / "model.w2v") == "word2vec-binary"


def test_projector_with_metadata_columns_and_a_vectors_path(tmp_path):
    space = make_space(("a", "b", "c"), metadata={"count": [9, 5, 1], "pos": ["N", "V", "N"]})
    vectors_path, metadata_path = export_tf_projector(space, tmp_path / "my_vectors.tsv")
    assert metadata_path.name == "my_metadata.tsv"
    assert metadata_path.read_text("utf-8").splitlines()[0] == "word\tcount\tpos"
    loaded = import_vectors(vectors_path)
    assert import_vectors(metadata_path).keys == loaded.keys == ("a", "b", "c")
    assert list(loaded.metadata["count"]) == [9, 5, 1]
    assert list(loaded.metadata["pos"]) == ["N", "V", "N"]


def test_projector_single_column_metadata_has_no_header(tmp_path):
    export_tf_projector(make_space(("a", "b")), tmp_path / "p")
    assert (tmp_path / "p" / "metadata.tsv").read_text("utf-8") == "a\nb\n"
    assert (tmp_path / "p" / "vectors.tsv").read_text("utf-8").count("\t") == 2 * 2


def test_fasttext_trailing_spaces_crlf_and_bom_are_accepted(tmp_path):
    path = tmp_path / "ft.vec"
    path.write_bytes(b"\xef\xbb\xbf2 3\r\nhello 0.1 0.2 0.3 \r\nworld -1 2e-3 4 \r\n")
    space = import_vectors(path)
    assert space.keys == ("hello", "world")
    assert np.allclose(space.vectors, [[0.1, 0.2, 0.3], [-1, 2e-3, 4]])


def test_binary_without_newlines_as_some_tools_write_it(tmp_path):
    body = b"".join(w.encode() + b" " + struct.pack("<2f", *v)
                    for w, v in [("a", (1, 2)), ("b", (3, 4))])
    (tmp_path / "v.bin").write_bytes(b"2 2\n" + body)
    space = import_word2vec_binary(tmp_path / "v.bin")
    assert space.keys == ("a", "b")
    assert np.array_equal(space.vectors, [[1, 2], [3, 4]])


def test_glove_words_containing_spaces_are_kept_whole(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("the 1 2\n. . . 3 4\n", "utf-8")
    assert import_glove(path).keys == ("the", ". . .")


def test_limit_keeps_the_first_vectors(tmp_path):
    space = make_space(("a", "b", "c", "d"))
    for fmt, name in INTEROP:
        export_vectors(space, tmp_path / name, fmt)
        assert import_vectors(tmp_path / name, limit=2).keys == ("a", "b"), fmt


def test_cancel_stops_an_import(tmp_path, monkeypatch):
    monkeypatch.setattr(storage._text, "_CHUNK_ROWS", 2)
    export_vectors(make_space(("a", "b", "c", "d")), tmp_path / "v.txt", "word2vec-text")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        import_word2vec_text(tmp_path / "v.txt", cancel=token)


def test_gensim_reads_our_files_and_we_read_gensim_files(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    space = make_space(("alpha", "beta", "γάμμα"), dim=5)
    for binary, name in [(True, "ours.bin"), (False, "ours.txt")]:
        export_vectors(space, tmp_path / name, "word2vec-binary" if binary else "word2vec-text")
        kv = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / name), binary=binary)
        assert tuple(kv.index_to_key) == space.keys
        assert np.allclose(kv.vectors, space.vectors)
        kv.save_word2vec_format(str(tmp_path / f"gensim-{name}"), binary=binary)
        loaded = import_vectors(tmp_path / f"gensim-{name}")
        assert loaded.keys == space.keys
        assert np.allclose(loaded.vectors, space.vectors)


def test_keys_a_format_cannot_hold_are_refused(tmp_path):
    with pytest.raises(EngineError, match="space"):
        export_vectors(make_space(("a b", "c")), tmp_path / "v.txt", "word2vec-text")
    with pytest.raises(EngineError, match="tab"):
        export_vectors(make_space(("a\tb", "c")), tmp_path / "p", "tf-projector")
    assert listing(tmp_path) == []


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(EngineError, match="Unknown vectors format"):
        import_vectors(tmp_path / "x.txt", "csv")  # type: ignore[arg-type]
    with pytest.raises(EngineError, match="no such file"):
        import_vectors(tmp_path / "x.txt")


# ---- corrupt inputs: every error names the file and the line -----------------------------
def w2v_binary(header: bytes, *records: tuple[bytes, tuple[float, ...]], tail: bytes = b""):
    return header + b"".join(w + b" " + struct.pack(f"<{len(v)}f", *v) + b"\n"
                             for w, v in records) + tail


CORRUPT = [
    # (id, file name, format, content, expected line)
    ("text-columns", "v.txt", "word2vec-text", b"2 3\na 1 2 3\nb 1 2\n", 3),
    ("text-too-many", "v.txt", "word2vec-text", b"2 2\na 1 2\nb 1 2 3\n", 3),
    ("text-not-number", "v.txt", "word2vec-text", b"2 2\na 1 2\nb 1 x\n", 3),
    ("text-nan", "v.txt", "word2vec-text", b"2 2\na 1 2\nb nan 2\n", 3),
    ("text-inf", "v.txt", "word2vec-text", b"2 2\na 1 2\nb 1 -inf\n", 3),
    ("text-overflow", "v.txt", "word2vec-text", b"2 2\na 1 2\nb 1 1e39\n", 3),
    ("text-count-high", "v.txt", "word2vec-text", b"3 2\na 1 2\nb 1 2\n", 1),
    ("text-count-low", "v.txt", "word2vec-text", b"1 2\na 1 2\nb 1 2\n", 3),
    ("text-dim", "v.txt", "word2vec-text", b"2 3\na 1 2\nb 1 2\n", 2),
    ("text-bad-header", "v.txt", "word2vec-text", b"two 2\na 1 2\n", 1),
    ("text-duplicate", "v.txt", "word2vec-text", b"3 2\na 1 2\nb 1 2\na 3 4\n", 4),
    ("text-empty", "v.txt", "word2vec-text", b"", 1),
    ("text-header-only", "v.txt", "word2vec-text", b"0 2\n", 1),
    ("text-utf8", "v.txt", "word2vec-text", b"2 2\na 1 2\n\xff\xfe 1 2\n", 3),
    ("glove-columns", "g.txt", "glove", b"a 1 2\nb 1\n", 2),
    ("glove-not-number", "g.txt", "glove", b"a 1 2\nb 1 2,5\n", 2),
    ("glove-duplicate", "g.txt", "glove", b"a 1 2\nb 1 2\na 3 4\n", 3),
    ("glove-blank-middle", "g.txt", "glove", b"a 1 2\n\nb 1 2\n", 2),
    ("glove-empty", "g.txt", "glove", b"", 1),
    ("glove-utf8", "g.txt", "glove", b"a 1 2\nb\xc3 1 2\n", 2),
    ("fasttext-nan", "v.vec", "fasttext-vec", b"1 2\na NaN 2 \n", 2),
    ("bin-truncated", "v.bin", "word2vec-binary",
     w2v_binary(b"2 2\n", (b"a", (1, 2)))[:-1] + b"b " + b"\0\0", 3),
    ("bin-count-high", "v.bin", "word2vec-binary", w2v_binary(b"3 2\n", (b"a", (1, 2))), 3),
    ("bin-more-data", "v.bin", "word2vec-binary",
     w2v_binary(b"1 2\n", (b"a", (1, 2)), (b"b", (3, 4))), 3),
    ("bin-utf8", "v.bin", "word2vec-binary",
     w2v_binary(b"2 2\n", (b"a", (1, 2)), (b"\xff", (3, 4))), 3),
    ("bin-duplicate", "v.bin", "word2vec-binary",
     w2v_binary(b"2 2\n", (b"a", (1, 2)), (b"a", (3, 4))), 3),
    ("bin-nan", "v.bin", "word2vec-binary",
     w2v_binary(b"2 2\n", (b"a", (1, 2)), (b"b", (3, float("nan")))), 3),
    ("bin-header", "v.bin", "word2vec-binary", b"2 two\n", 1),
    ("bin-empty", "v.bin", "word2vec-binary", b"", 1),
    ("tsv-columns", "vectors.tsv", "tf-projector", b"1\t2\n3\n", 2),
    ("tsv-not-number", "vectors.tsv", "tf-projector", b"1\t2\n3\tfour\n", 2),
    ("tsv-inf", "vectors.tsv", "tf-projector", b"1\t2\n3\tinf\n", 2),
    ("tsv-empty", "vectors.tsv", "tf-projector", b"", 1),
]


@pytest.mark.parametrize(("name", "fmt", "content", "line"),
                         [c[1:] for c in CORRUPT], ids=[c[0] for c in CORRUPT])
def test_corrupt_files_name_the_file_and_line(tmp_path, name, fmt, content, line):
    path = tmp_path / name
    path.write_bytes(content)
    if fmt == "tf-projector":
        (tmp_path / "metadata.tsv").write_text("a\nb\n", "utf-8")
    with pytest.raises(EngineError) as err:
        import_vectors(path, fmt)
    message = str(err.value)
    assert name in message and f"line {line}" in message, message
    assert err.value.hint


def test_duplicate_error_names_both_lines(tmp_path):
    path = tmp_path / "g.txt"
    path.write_bytes(b"a 1 2\nb 1 2\na 3 4\n")
    with pytest.raises(EngineError, match=r"line 3: .*'a'.*line 1"):
        import_glove(path)


def test_utf8_error_gives_the_byte_offset(tmp_path):
    path = tmp_path / "g.txt"
    path.write_bytes(b"a 1 2\nb\xc3 1 2\n")
    with pytest.raises(EngineError, match=r"line 2: .*byte offset 7"):
        import_glove(path)


@pytest.mark.parametrize(
    ("metadata", "line"),
    [(b"a\n", 2), (b"a\nb\nc\n", 3), (b"a\na\n", 2), (b"word\tn\na\t1\nb\n", 3)],
    ids=["too-few", "too-many", "duplicate", "columns"],
)
def test_bad_projector_metadata_names_the_line(tmp_path, metadata, line):
    (tmp_path / "vectors.tsv").write_bytes(b"1\t2\n3\t4\n")
    (tmp_path / "metadata.tsv").write_bytes(metadata)
    with pytest.raises(EngineError, match=rf"metadata\.tsv, line {line}:"):
        import_vectors(tmp_path)


def test_projector_without_metadata_says_where_it_looked(tmp_path):
    (tmp_path / "vecs.tsv").write_bytes(b"1\t2\n")
    with pytest.raises(EngineError, match="metadata.tsv"):
        import_vectors(tmp_path / "vecs.tsv")


# ---- CSV ---------------------------------------------------------------------------------
def test_neighbours_csv(tmp_path):
    path = export_neighbours_csv([("king", 1, "queen", 0.8123456789), ("king", 2, "a,b", 0.5)],
                                 tmp_path / "n.csv")
    rows = list(csv.reader(path.read_text("utf-8").splitlines()))
    assert rows == [["query", "rank", "word", "score"], ["king", "1", "queen", "0.812346"],
                    ["king", "2", "a,b", "0.5"]]


@pytest.mark.parametrize("axes", [2, 3])
def test_coordinates_csv_round_trip(tmp_path, axes):
    space = make_space(("king", "qu,een", 'say "hi"', "東京"))
    coords = np.random.default_rng(1).standard_normal((4, axes)).astype(np.float32)
    path = export_coordinates_csv(space.keys, coords, tmp_path / "c.csv",
                                  extra_columns={"cluster": [0, 1, 1, 0]})
    header = path.read_text("utf-8").splitlines()[0]
    assert header == ("word,x,y,z,cluster" if axes == 3 else "word,x,y,cluster")
    keys, loaded = load_coordinates_csv(path, space)
    assert keys == space.keys
    assert loaded.shape == (4, axes) and np.array_equal(loaded, coords)


@pytest.mark.parametrize(
    ("text", "line", "pattern"),
    [
        ("", 1, "empty"),
        ("a,b,c\nking,1,2\n", 1, "header"),
        ("word,x,y\n", 2, "no coordinates"),
        ("word,x,y\nking,1,2\nqueen,1\n", 3, "columns"),
        ("word,x,y\nking,1,two\n", 2, "not a number"),
        ("word,x,y\nking,1,nan\n", 2, "finite"),
        ("word,x,y\nking,1,2\nking,3,4\n", 3, "line 2"),
        ("word,x,y\nking,1,2\nkin,3,4\n", 3, "not a key"),
    ],
    ids=["empty", "header", "no-rows", "columns", "number", "nan", "duplicate", "unknown"],
)
def test_bad_coordinates_csv_names_file_and_line(tmp_path, text, line, pattern):
    path = tmp_path / "c.csv"
    path.write_text(text, "utf-8")
    with pytest.raises(EngineError, match=pattern) as err:
        load_coordinates_csv(path, make_space(("king", "queen")))
    assert "c.csv" in str(err.value) and f"line {line}" in str(err.value)
