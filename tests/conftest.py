import sys
from pathlib import Path

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
