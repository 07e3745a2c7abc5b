"""The shipped default word space: intact, listed in MANIFEST.json, and sensible."""

from engine.paths import DEFAULT_WORD_SPACE, RESOURCES
from engine.projection import ProjectionParams, project
from engine.resources import verify
from engine.storage import load_space
from engine.words.default_space import DEFAULT_PROJECTIONS, DEFAULT_SETTINGS


def test_every_shipped_file_is_listed_with_its_sha256():
    assert verify() == []


def test_resources_stay_within_budget():
    total = sum(p.stat().st_size for p in RESOURCES.rglob("*") if p.is_file())
    assert total <= 40 * 1024 * 1024


def test_default_space_loads_and_apple_neighbours_are_fruit():
    space = load_space(DEFAULT_WORD_SPACE)
    assert len(space) > 40_000 and space.dim == DEFAULT_SETTINGS.dim
    neighbours = {s.word for s in space.neighbours("apple", k=10)}
    assert neighbours & {"pear", "cherry", "plum", "fruit", "peach", "quince"}
    assert space.info["rebuild_command"] == "python -m engine words build-default-space"
    assert space.info["metrics"]["analogy"]["accuracy"] > 0.25
    # Settings added after the build may be missing from its manifest, but only knobs that
    # cannot change what the CPU trainer produced (the Triton kernel's program count).
    recorded, expected = space.info["settings"], DEFAULT_SETTINGS.to_json()
    assert recorded == {k: expected[k] for k in recorded}
    assert set(expected) - set(recorded) <= {"programs"}


def test_the_shipped_layouts_belong_to_the_shipped_space(tmp_path):
    space = load_space(DEFAULT_WORD_SPACE)
    for method, dims in DEFAULT_PROJECTIONS:
        # an empty cache: only the shipped file can answer, and cached_only forbids computing
        layout = project(space, ProjectionParams(method, dims), cache_dir=tmp_path,
                         cached_only=True)
        assert layout.coords.shape == (len(space), dims)
