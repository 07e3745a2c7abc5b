"""``api.ImportVectors`` with a save folder, a limit and a metadata file elsewhere."""

from __future__ import annotations

import pytest

from engine import api
from engine.engine import Engine
from engine.errors import EngineError
from engine.jobs import Cancelled, CancelToken
from engine.storage import load_space


def _write_word2vec(path, rows):
    dim = len(rows[0][1])
    lines = [f"{len(rows)} {dim}"] + [f"{w} " + " ".join(map(str, v)) for w, v in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_saves_the_space_and_serves_it_under_the_save_folder(tmp_path):
    source = _write_word2vec(tmp_path / "v.txt", [("a", [1, 0]), ("b", [0, 1]), ("c", [1, 1])])
    out = tmp_path / "saved"
    reports = []
    engine = Engine()
    space = engine.handle(api.ImportVectors(source, save_to=out, limit=2), reports.append)
    assert space.keys == ("a", "b")
    assert load_space(out).keys == ("a", "b")
    assert engine.handle(api.LoadSpace(out)).space is space  # no second read
    assert reports and reports[-1].fraction == 1.0


def test_projector_metadata_may_live_elsewhere(tmp_path):
    vectors = tmp_path / "data" / "emb.tsv"
    vectors.parent.mkdir()
    vectors.write_text("1\t0\n0\t1\n", encoding="utf-8")
    words = tmp_path / "labels" / "words.tsv"
    words.parent.mkdir()
    words.write_text("cat\ndog\n", encoding="utf-8")
    space = Engine().handle(api.ImportVectors(vectors, metadata=words))
    assert space.keys == ("cat", "dog")
    with pytest.raises(EngineError, match="TF-projector"):
        Engine().handle(api.ImportVectors(vectors, "glove", metadata=words))


def test_a_corrupt_file_names_its_line_and_saves_nothing(tmp_path):
    source = tmp_path / "bad.txt"
    source.write_text("3 2\na 1 0\nb 1 oops\nc 1 1\n", encoding="utf-8")
    with pytest.raises(EngineError, match="line 3"):
        Engine().handle(api.ImportVectors(source, save_to=tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_cancelled_import_saves_nothing(tmp_path):
    source = _write_word2vec(tmp_path / "v.txt", [(f"w{i}", [i, 1]) for i in range(10)])
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        Engine().handle(api.ImportVectors(source, save_to=tmp_path / "out"), cancel=cancel)
    assert not (tmp_path / "out").exists()
