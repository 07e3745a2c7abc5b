import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.__main__ import main
from engine.spaces import EmbeddingSpace
from engine.storage import save_space

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tiny_space(tmp_path):
    rng = np.random.default_rng(1)
    words = ("apple", "pear", "plum", "car", "bus", "rome", "italy", "germany", "berlin")
    vectors = rng.normal(size=(len(words), 6)).astype(np.float32)
    vectors[1] = vectors[0] + 0.05  # pear right next to apple
    path = tmp_path / "space"
    save_space(EmbeddingSpace(words, vectors, {"count": list(range(9, 0, -1))}), path)
    return path


def test_help_lists_every_subcommand():
    out = subprocess.run([sys.executable, "-m", "engine", "words", "--help"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    for command in ("build-corpus", "train", "neighbours", "analogy", "vector", "eval",
                    "project", "import", "export", "export-neighbours", "build-default-space"):
        assert command in out


def test_neighbours_json_is_a_ranked_list(tiny_space, capsys):
    assert main(["words", "neighbours", "apple", "-k", "3", "--space", str(tiny_space),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [set(r) for r in result] == [{"word", "score"}] * 3
    assert result[0]["word"] == "pear"
    assert result[0]["score"] >= result[1]["score"] >= result[2]["score"]


def test_analogy_excludes_query_words(tiny_space, capsys):
    assert main(["words", "analogy", "rome", "italy", "germany", "--space", str(tiny_space),
                 "--json", "-k", "6"]) == 0
    words = [r["word"] for r in json.loads(capsys.readouterr().out)]
    assert len(words) == 6 and {"rome", "italy", "germany"}.isdisjoint(words)


def test_unknown_word_exits_2_with_suggestion(tiny_space, capsys):
    assert main(["words", "neighbours", "appel", "--space", str(tiny_space)]) == 2
    err = capsys.readouterr().err
    assert "appel" in err and "apple" in err
    assert "Traceback" not in err


def test_corrupt_vector_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\napple 0.1 0.2 0.3\npear 0.1 oops 0.3\n")
    assert main(["words", "neighbours", "apple", "--space", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt" in err and "3" in err


def test_export_import_round_trip_through_the_cli(tiny_space, tmp_path, capsys):
    out = tmp_path / "vectors.bin"
    assert main(["words", "export", "--space", str(tiny_space), "--format", "word2vec-binary",
                 "--out", str(out)]) == 0
    assert main(["words", "import", str(out), "--out", str(tmp_path / "back"), "--json"]) == 0
    assert main(["words", "vector", "apple", "--space", str(tmp_path / "back"), "--json"]) == 0
    lines = capsys.readouterr().out
    assert '"word": "apple"' in lines


def test_project_writes_coordinates(tiny_space, tmp_path, capsys):
    out = tmp_path / "coords.csv"
    assert main(["words", "project", "--space", str(tiny_space), "--method", "pca", "--dims",
                 "3", "--out", str(out), "--json"]) == 0
    rows = out.read_text().splitlines()
    assert rows[0].split(",")[:4] == ["word", "x", "y", "z"]
    assert len(rows) == 10


def test_train_tiny_corpus_and_query(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(400):
        topic = ["cat", "dog", "pet", "fur"] if rng.random() < 0.5 else ["car", "bus", "road"]
        lines.append(" ".join(rng.choice(topic, 8)))
    corpus.write_text("\n".join(lines) + "\n")
    out = tmp_path / "trained"
    assert main(["words", "train", "--corpus", str(corpus), "--out", str(out), "--dim", "8",
                 "--epochs", "2", "--min-count", "1", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["epochs_done"] == 2 and info["words"] == 7
    assert (out / "checkpoint" / "state.json").exists()
    assert main(["words", "neighbours", "cat", "--space", str(out), "-k", "2"]) == 0


def test_training_on_a_non_utf8_file_reports_file_and_line(tmp_path, capsys):
    corpus = tmp_path / "latin1.txt"
    good = "the cat sat on the mat with the dog\n" * 30
    corpus.write_bytes(good.encode() + "le caf\xe9 est bon et le chat aussi\n".encode("latin-1")
                       + good.encode())
    out = tmp_path / "space"
    assert main(["words", "train", "--corpus", str(corpus), "--out", str(out), "--dim", "4",
                 "--epochs", "1", "--min-count", "1", "--json"]) == 0
    captured = capsys.readouterr()
    assert "latin1.txt:31" in captured.err
    assert json.loads(captured.out)["corpus_warnings"]
