"""One selection across two spaces, linked by key; a key a space lacks is said."""

from __future__ import annotations

import numpy as np

from app.selection_link import SharedSelection
from app.state import AppState
from engine.spaces import EmbeddingSpace


def _state(keys: list[str]) -> AppState:
    state = AppState()
    rng = np.random.default_rng(len(keys))
    state.set_space(EmbeddingSpace(tuple(keys), rng.normal(size=(len(keys), 4))
                                   .astype(np.float32)), None)
    return state


def _linked():
    words = _state(["dolphin", "whale", "the", "crow"])
    labels = _state(["dolphin", "crow", "peahen"])
    link = SharedSelection()
    link.add("the word space", words)
    link.add("the image-label space", labels)
    said = []
    link.status_message.connect(said.append)
    return words, labels, link, said


def test_a_key_selected_in_one_space_is_selected_in_the_other_both_ways():
    words, labels, _, said = _linked()
    words.select("dolphin")
    assert labels.selection == "dolphin" and said == []
    labels.select("crow")
    assert words.selection == "crow" and said == []
    words.select(None)
    assert labels.selection is None


def test_a_key_the_other_space_lacks_is_said_and_clears_its_old_selection():
    words, labels, _, said = _linked()
    words.select("dolphin")
    words.select("the")
    assert labels.selection is None  # not "dolphin" any more: that would mislead
    assert said == ["“the”: not in the image-label space."]
    labels.select("peahen")
    assert words.selection is None and said[-1] == "“peahen”: not in the word space."


def test_select_finds_a_key_wherever_it_is_and_centres_every_view_on_it():
    words, labels, link, said = _linked()
    centred = []
    words.centre_requested.connect(lambda k: centred.append(("words", k)))
    labels.centre_requested.connect(lambda k: centred.append(("labels", k)))
    assert link.select("Crow") == ["the word space", "the image-label space"]
    assert words.selection == labels.selection == "crow"
    assert sorted(centred) == [("labels", "crow"), ("words", "crow")]
    assert link.select("peahen") == ["the image-label space"]
    assert labels.selection == "peahen" and words.selection is None
    assert link.select("zebra crossing") == []
    assert "none of the spaces" in said[-1] and labels.selection == "peahen"


def test_a_space_not_yet_open_is_said():
    words = _state(["dolphin"])
    link = SharedSelection()
    link.add("the word space", words)
    link.add("the image-label space", AppState())
    said = []
    link.status_message.connect(said.append)
    words.select("dolphin")
    assert said == ["“dolphin”: the image-label space is not open."]
