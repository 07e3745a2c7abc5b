"""Text corpora for skip-gram training: the tokenizer, the default English corpus built
from Debian packages, and a reader for the user's own text files and folders.

The default corpus (``default-english``) is natural English prose from four packaged
sources: WordNet 3.0 glosses and examples, the GCIDE dictionary (Webster's 1913 plus
later additions), the King James Bible, and the fortune-cookie files. It is written as
one tokenised sentence per line (tokens separated by single spaces) with a JSON manifest
beside it that names each source's package, version and licence and records the counts,
the sha256 and the command that rebuilds it.

Tokens are lowercase runs of letters (any script). Choices, and why:

* Hyphens split words ("well-known" -> "well", "known"): compounds are rare, so as
  units most would fall under a min-count of 5, while their parts are common words
  that the evaluation sets (analogies, WordSim, SimLex) ask about.
* Internal apostrophes are kept ("don't", "o'clock", "king's"): the parts of a
  contraction are not words on their own, and one simple rule keeps the tokenizer
  idempotent (re-tokenising the corpus file gives the same tokens).
* Anything with a digit is dropped ("1611", "1st", "h2o"): in these sources numbers
  are verse and sense numbers, dates and formulas; one shared number token would be a
  frequent, meaningless context word.
* URLs and e-mail addresses are dropped whole instead of shredding into "http", "com".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from engine import compressed
from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.paths import cache_dir

DEFAULT_CORPUS_NAME = "default-english"
MANIFEST_FORMAT = "embedding-explorer-corpus/1"
MIN_COUNT_REPORTED = 5

# ---- tokenizer ------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_DIGIT = re.compile(r"\d")
_URL = re.compile(r"\S*(?:://|@|www\.)\S*")
# "e.g." and "i.e." would leave the non-words "e", "g" and "i", "e".
_THAT_IS = re.compile(r"\b(?:e\.\s?g|i\.\s?e)\.")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'"})


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens of ``text`` (see the module docstring for the rules)."""
    if not text.isascii():
        # NFKC folds ligatures, full-width forms and composes accents, so "ﬁne" and
        # "café" typed either way meet as one token.
        text = unicodedata.normalize("NFKC", text)
    text = text.translate(_APOSTROPHES).lower()
    if "@" in text or "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "e." in text:
        text = _THAT_IS.sub(" ", text)
    words = _WORD.findall(text)
    if _DIGIT.search(text):
        words = [w for w in words if not _DIGIT.search(w)]
    return words


# A sentence ends at . ! or ? (perhaps followed by a closing quote or bracket) and space.
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019)\]]))\s+")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof rev gen col capt lt sgt gov sen rep hon messrs mme mlle "
    "vs etc cf viz esp approx ca eg ie al no nos vol vols fig ch chap p pp ed eds dept "
    "co corp inc ltd bros mt ft ave jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences at ., ! and ? followed by space.

    No split after an abbreviation ("Mr.", "etc.", "cf."), an initial ("J. Smith",
    "e. g.") or before a lowercase letter ('"Why?" he asked').
    """
    text = text.strip()
    if not text:
        return []
    pieces = _SENTENCE_BREAK.split(text)
    out = [pieces[0]]
    for piece in pieces[1:]:
        if _continues_sentence(out[-1], piece):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _continues_sentence(previous: str, following: str) -> bool:
    if following[0].islower():
        return True
    if previous.endswith("."):
        last = previous.rsplit(None, 1)[-1].rstrip(".").lstrip("(\"'").lower()
        return (len(last) == 1 and last.isalpha()) or last in _ABBREVIATIONS
    return False


def tokenize_sentences(text: str) -> list[list[str]]:
    """``text`` split into sentences, each tokenised; sentences without words are left out."""
    return [tokens for sentence in split_sentences(text) if (tokens := tokenize(sentence))]


# ---- report types ---------------------------------------------------------------------


@dataclass(frozen=True)
class PackageInfo:
    """One Debian package a source comes from."""

    name: str
    version: str
    licence: str
    copyright_file: str


@dataclass(frozen=True)
class SourceReport:
    """What one source contributed to a built corpus."""

    name: str
    description: str
    packages: tuple[PackageInfo, ...]
    n_sentences: int
    n_tokens: int
    seconds: float


@dataclass(frozen=True)
class CorpusReport:
    """A built corpus: where it is and what is in it."""

    path: Path
    manifest_path: Path
    n_sentences: int
    n_tokens: int
    n_types: int
    n_types_min5: int  # word types occurring at least MIN_COUNT_REPORTED times
    sha256: str
    sources: tuple[SourceReport, ...]


def default_corpus_path() -> Path:
    """Where the default corpus is cached: ``<cache>/corpora/default-english.txt`` with
    ``<cache>`` from ``$EMBEDDING_EXPLORER_CACHE``, ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    return cache_dir("corpora") / f"{DEFAULT_CORPUS_NAME}.txt"


def manifest_path_for(corpus: Path) -> Path:
    """``name.txt`` -> ``name.manifest.json`` beside it."""
    return corpus.with_name(f"{corpus.stem}.manifest.json")


# ---- sources --------------------------------------------------------------------------

WORDNET_DIR = Path("/usr/share/wordnet")
GCIDE_DICT = Path("/usr/share/dictd/gcide.dict.dz")
FORTUNES_DIR = Path("/usr/share/games/fortunes")
BIBLE_RANGE = "gen1:1-rev22:21"

# Fortune files that are pictures made of characters, not text.
_FORTUNE_ART = frozenset({"art", "ascii-art"})

# Each source yields sentences (token lists) and reports how far it has got (0..1).
SentenceSource = Callable[[Callable[[float], None], CancelToken], Iterator[list[str]]]


@dataclass(frozen=True)
class _SourceSpec:
    name: str
    description: str
    packages: tuple[str, ...]
    licences: tuple[tuple[str, str, str], ...]  # (package, keyword in copyright, licence)
    weight: float  # share of build time, for the progress bar
    read: SentenceSource
    required: tuple[Path, ...] = ()  # files the package installs


# ---- WordNet --------------------------------------------------------------------------

# A gloss is definitions and quoted examples separated by ';'; an example may carry an
# attribution after the closing quote ('"..."- Shakespeare'), which is a citation and
# is dropped like GCIDE's.
_GLOSS_PART = re.compile(r'"([^"]*)"(?:\s*-+\s*[^;"]*)?|([^;"]+)')


def wordnet_lemmas(line: str) -> list[str]:
    """The synset's words ("Berlin", "German_capital") as text, adjective markers removed."""
    parts = line.split(" ", 4 + 2 * 64)
    try:
        count = int(parts[3], 16)
    except (IndexError, ValueError):
        return []
    words = parts[4:4 + 2 * count:2]
    return [re.sub(r"\([a-z]+\)$", "", w).replace("_", " ") for w in words]


def wordnet_gloss_sentences(line: str) -> list[str]:
    """The definitions and examples of one line of a WordNet ``data.*`` file (no tokens
    yet); the licence header (lines starting with two spaces) gives nothing.

    Each definition starts with the synset's words, as the entry is printed ("Berlin,
    German capital: capital of Germany located in eastern Germany"). The bare gloss
    never names what it defines, so without its headword a definition teaches skip-gram
    nothing about the word itself. Examples already contain their word and stay as is.
    """
    if line.startswith("  "):
        return []
    _, bar, gloss = line.partition("| ")
    if not bar:
        return []
    headword = ", ".join(wordnet_lemmas(line))
    definitions: list[str] = []
    examples: list[str] = []
    for m in _GLOSS_PART.finditer(gloss):
        if m.group(1) is not None:
            examples.extend(split_sentences(m.group(1)))
        elif m.group(2).strip():
            definitions.append(m.group(2).strip())
    # The ';'-separated definition parts are one definition ("capital and largest city of
    # Italy; on the Tiber; seat of the Roman Catholic Church"), printed once after the
    # headword, so they stay one sentence.
    out = split_sentences("; ".join(definitions)) if definitions else []
    if out and headword:
        out[0] = f"{headword}: {out[0]}"
    return out + examples


def _read_wordnet(report: Callable[[float], None], cancel: CancelToken) -> Iterator[list[str]]:
    files = [WORDNET_DIR / f"data.{pos}" for pos in ("noun", "verb", "adj", "adv")]
    total = sum(f.stat().st_size for f in files)
    done = 0
    for f in files:
        with f.open("rb") as fh:
            for i, raw in enumerate(fh):
                done += len(raw)
                if i % 2000 == 0:
                    cancel.raise_if_cancelled()
                    report(done / total)
                for sentence in wordnet_gloss_sentences(raw.decode("utf-8", "replace")):
                    if tokens := tokenize(sentence):
                        yield tokens


# ---- GCIDE ----------------------------------------------------------------------------

_B64 = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _dictd_number(code: str) -> int:
    n = 0
    for c in code:
        n = n * 64 + _B64[c]
    return n


def gcide_entry_spans(index_path: Path) -> list[tuple[int, int]]:
    """(offset, length) of each distinct entry in a dictd ``.index``, in file order,
    without the database header entries (``00-database-*`` and their aliases)."""
    spans: dict[int, int] = {}
    header: set[int] = set()
    with index_path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            offset, length = _dictd_number(parts[1]), _dictd_number(parts[2])
            spans[offset] = max(length, spans.get(offset, 0))
            if parts[0].startswith("00-"):
                header.add(offset)
    return sorted((o, n) for o, n in spans.items() if o not in header)


# GCIDE writes accented letters as bracket codes: ['e] = é, [a^] = ă (a breve, only in
# pronunciations), [=a] = ā, [ae] = æ. They must become letters before the brackets
# (etymologies, sources, usage labels) are removed, or "caf['e]" would lose its "é".
_ACCENT_CODE = re.compile(r"\[(?:([`'\"^~,=.*-])([A-Za-z]{1,2})|([A-Za-z]{1,2})\^|([a-zA-Z]+))\]")
# Webster's diaeresis marks a syllable break ("co["o]perate", "a["e]rial"), not a letter
# modern English writes, so it is dropped like the pronunciation marks.
_COMBINING = {"'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", ",": "\u0327"}
_NAMED_LETTERS = {"ae": "ae", "AE": "Ae", "oe": "oe", "OE": "Oe", "aum": "\u00e4",
                  "imac": "i", "add": "a", "asl": "a", "udd": "u", "eth": "\u00f0",
                  "thorn": "\u00fe", "yogh": "\u021d", "th": "th", "ng": "ng"}


def _accent_letter(m: re.Match[str]) -> str:
    mark, letters, breve, name = m.groups()
    if letters is not None:
        combining = _COMBINING.get(mark)
        if combining is None:  # macron, dot, stress: pronunciation marks, no spelling
            return letters
        return unicodedata.normalize("NFC", letters[0] + combining + letters[1:])
    if breve is not None:
        return breve
    return _NAMED_LETTERS.get(name, m.group(0))


# Headwords with their pronunciations, which may wrap ("\\fire"\nfight`er\\") and may be
# followed by a respelling in parentheses on the next line.
_HEADWORDS = re.compile(r"\A(?:[^\\\n]*\\[^\\]*\\[\s,]*(?:\([^()]*\)[\s,]*)?)+")
# A respelling in the body ("{Centerboard} (s[e^]n"t[~e]r*b[=o]rd`)"): pronunciation-only
# accent codes or syllable stars inside parentheses.
_RESPELLING = re.compile(
    r"\((?=[^()]*(?:\[(?:[=.~*-][a-zA-Z]{1,2}|[a-zA-Z]{1,2}\^|imac|add|asl|udd|ng)\]"
    r"|[a-z]\*[a-z]))[^()]*\)")
_INNER_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_PRONUNCIATION = re.compile(r"\\[^\\\n]*\\")
_POS = (r"(?:n|a|adj|adv|v|t|i|p|pr|pl|prep|conj|interj|pron|imp|pret|sing|superl|compar"
        r"|vb|inf|pp|fem|masc|poss|obj|nom|dat|acc|gen|def|art|pers|rel|dem|aux|fr|imperat"
        r"|subj|ind|part|sb|suffix|prefix|pref|suff|prop)\.")
_LEADING_POS = re.compile(rf"\A[\s,;&]*(?:{_POS}[\s,;&]*)+")
_RUN_IN_POS = re.compile(rf"\}}[\s,;]*(?:{_POS}[\s,;&]*)+")
_FIELD_LABEL = re.compile(r"\((?:[A-Z][^\W\d_]*\.?(?:\s*(?:&|and|,)\s*|\s+)?){1,4}\)")
_SUBSENSE = re.compile(r"\(\s?[a-z]\s?\)")
# "--Shak." and "-- Sir W. Scott." are citations; "-- Also used ..." is text.
_CITATION = re.compile(r"--(?:[A-Z0-9][^\n]*|\s[A-Z][^\n]{0,30}$)")
_LABEL = re.compile(r"\b(?:Syn|Note|Usage|Examples?):\s*")
_SENSE_NUMBER = re.compile(r"\A\s*\d+[a-z]?\.\s+")
_BRACES = re.compile(r"\{([^{}]*)\}")
_TAG = re.compile(r"<[^<>\n]*>")
# GCIDE has "?" for letters it could not represent (Greek, long s): "?way" is not "way".
_UNKNOWN_LETTER = re.compile(r"\S*\?(?=[^\s.,;:!?)\]\"'])\S*")
# The dictd conversion leaves the next entry's headword after the last source tag
# ("[1913 Webster] Cachexia").
_TRAILING_HEADWORD = re.compile(r"(\n\s*\[[^\[\]\n]*\])[ \t]*(?:\S++[ \t]*){1,4}\s*\Z")


def _strip_brackets(text: str) -> str:
    # Innermost first: etymologies nest ("[OE. aferen, AS. [=a]f?ran. See {Afeard}.]").
    while True:
        stripped = _INNER_BRACKETS.sub(" ", text)
        if stripped == text:
            return text
        text = stripped


def _unbrace(m: re.Match[str]) -> str:
    # Inside braces * " ` mark syllables and stress ("{Gre*ga"ri*ous*ly}").
    return m.group(1).replace("*", "").replace('"', "").replace("`", "")


def gcide_headwords(entry: str) -> str:
    """The headword(s) of a raw entry ("Centerboard, Centreboard"), syllable marks removed.

    Definitions are kept with their headword in front, as the dictionary prints them:
    a definition alone never names the word it defines (see ``wordnet_gloss_sentences``).
    """
    m = _HEADWORDS.match(entry)
    if not m:
        return ""
    words = re.findall(r"(?:^|,)\s*([^\\,()]+?)\s*\\", m.group(0))
    cleaned = [_ACCENT_CODE.sub(_accent_letter, w) for w in words]
    cleaned = [re.sub(r"[*\"`]", "", w).strip() for w in cleaned]
    return ", ".join(dict.fromkeys(w for w in cleaned if w))


def gcide_entry_paragraphs(entry: str) -> list[str]:
    """The definition and quotation text of one raw GCIDE (dictd) entry, one string per
    paragraph (a sense, a note, a quotation), markup removed, not yet split into sentences.
    """
    text = _TRAILING_HEADWORD.sub(r"\1", entry, count=1)
    headword = gcide_headwords(text)
    text = _HEADWORDS.sub("", text, count=1)
    text = _RESPELLING.sub(" ", text)
    text = _ACCENT_CODE.sub(_accent_letter, text)
    text = _strip_brackets(text)
    text = _PRONUNCIATION.sub(" ", text)
    text = _LEADING_POS.sub("", text, count=1)
    text = _RUN_IN_POS.sub("} ", text)
    text = _TAG.sub(" ", text)
    paragraphs: list[tuple[str, bool]] = []  # (text, is a definition)
    current: list[str] = []
    definition = [True]

    def flush() -> None:
        if current:
            paragraphs.append((" ".join(current), definition[0]))
            current.clear()

    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        if indent >= 40:
            continue  # the right-aligned tail of a citation ("--Sir T.\n ... Browne.")
        sense = _SENSE_NUMBER.match(line)
        if sense:
            flush()
            line = line[sense.end():]
        line = _CITATION.sub("", line).strip()
        if not line:
            flush()
            continue
        if not current:
            # definitions are indented 3 spaces, quotations 12
            definition[0] = indent < 8
        current.append(line)
    flush()
    out = []
    for paragraph, is_definition in paragraphs:
        paragraph = _LEADING_POS.sub("", _LABEL.sub("", paragraph), count=1)
        paragraph = _FIELD_LABEL.sub(" ", paragraph)
        paragraph = _SUBSENSE.sub(" ", paragraph)
        paragraph = _BRACES.sub(_unbrace, paragraph)
        paragraph = _UNKNOWN_LETTER.sub(" ", paragraph)
        paragraph = " ".join(paragraph.split())
        if paragraph:
            out.append(f"{headword}: {paragraph}" if is_definition and headword else paragraph)
    return out


def _read_gcide(report: Callable[[float], None], cancel: CancelToken) -> Iterator[list[str]]:
    spans = gcide_entry_spans(GCIDE_DICT.with_name("gcide.index"))
    end = spans[-1][0] + spans[-1][1] if spans else 1
    position = 0
    with gzip.open(GCIDE_DICT, "rb") as fh:
        for i, (offset, length) in enumerate(spans):
            if offset < position:  # overlapping spans would re-read text; never seen
                continue
            if offset > position:
                fh.read(offset - position)
            entry = fh.read(length).decode("utf-8", "replace")
            position = offset + length
            if i % 500 == 0:
                cancel.raise_if_cancelled()
                report(position / end)
            for paragraph in gcide_entry_paragraphs(entry):
                yield from tokenize_sentences(paragraph)


# ---- King James Bible -----------------------------------------------------------------

_VERSE_REFERENCE = re.compile(r"^\d?[A-Za-z]+\d+:\d+\s")


def bible_verses(lines: Iterable[str]) -> Iterator[str]:
    """Verse texts from ``bible -f`` output ("Ge1:1 In the beginning ..."), references
    removed and wrapped continuation lines joined to their verse."""
    verse: list[str] = []
    for line in lines:
        m = _VERSE_REFERENCE.match(line)
        if m:
            if verse:
                yield " ".join(verse)
            verse = [line[m.end():].strip()]
        elif line.strip():
            verse.append(line.strip())
    if verse:
        yield " ".join(verse)


_KJV_VERSES = 31102


def _read_kjv(report: Callable[[float], None], cancel: CancelToken) -> Iterator[list[str]]:
    bible = shutil.which("bible")
    if bible is None:
        raise EngineError("The 'bible' program (package bible-kjv) is not installed.",
                          "Install it with: sudo apt-get install bible-kjv bible-kjv-text")
    # COLUMNS keeps bible from wrapping verses to a terminal width.
    env = {**os.environ, "COLUMNS": "100000"}
    proc = subprocess.Popen([bible, "-f", BIBLE_RANGE], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    try:
        assert proc.stdout is not None
        lines = (raw.decode("utf-8", "replace") for raw in proc.stdout)
        for i, verse in enumerate(bible_verses(lines)):
            if i % 1000 == 0:
                cancel.raise_if_cancelled()
                report(min(i / _KJV_VERSES, 1.0))
            yield from tokenize_sentences(verse)
        if proc.wait() != 0:
            stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            raise EngineError(f"'bible -f {BIBLE_RANGE}' failed: {stderr.strip()}",
                              "Reinstall it: sudo apt-get install --reinstall bible-kjv "
                              "bible-kjv-text")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---- fortunes -------------------------------------------------------------------------

_ATTRIBUTION = re.compile(r"^\s*--+\s*")


def fortune_paragraphs(text: str) -> Iterator[str]:
    """Paragraphs of a fortune file: entries end at a line holding only '%', paragraphs
    at blank lines; an attribution line ("\t-- Mark Twain") is a paragraph of its own
    with its dashes removed, so the name does not run into the quotation."""
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        attribution = _ATTRIBUTION.match(line)
        if stripped == "%" or not stripped or attribution:
            if current:
                yield " ".join(current)
                current = []
            if attribution and stripped.strip("-"):
                current.append(line[attribution.end():].strip())
            continue
        current.append(stripped)
    if current:
        yield " ".join(current)


def fortune_files(folder: Path) -> list[Path]:
    """The text files of a fortunes folder: no ``.dat`` indexes, no ``.u8`` links, no
    ``off/`` (offensive, rot13) folder and no ascii-art files."""
    files = []
    for f in sorted(folder.iterdir()):
        if (f.is_file() and not f.is_symlink() and f.suffix not in (".dat", ".u8")
                and f.name not in _FORTUNE_ART):
            files.append(f)
    return files


def _read_fortunes(report: Callable[[float], None], cancel: CancelToken) -> Iterator[list[str]]:
    files = fortune_files(FORTUNES_DIR)
    for k, f in enumerate(files):
        cancel.raise_if_cancelled()
        report(k / len(files))
        for paragraph in fortune_paragraphs(f.read_text(encoding="utf-8", errors="replace")):
            yield from tokenize_sentences(paragraph)


# ---- the default corpus ---------------------------------------------------------------

_SOURCES = (
    _SourceSpec(
        "wordnet", "WordNet 3.0 glosses (definitions) and example sentences, "
        "/usr/share/wordnet/data.{noun,verb,adj,adv}",
        ("wordnet-base",),
        (("wordnet-base", "WordNet 3.0 Copyright",
          "WordNet 3.0 licence (Princeton University): use, copy, modify and distribute "
          "for any purpose without fee, keeping the copyright notice; BSD-like"),),
        0.19, _read_wordnet,
        tuple(WORDNET_DIR / f"data.{p}" for p in ("noun", "verb", "adj", "adv")),
    ),
    _SourceSpec(
        "gcide", "GCIDE 0.48 (Webster's Revised Unabridged 1913 + later additions), "
        "definitions, notes and quotations, /usr/share/dictd/gcide.dict.dz",
        ("dict-gcide",),
        (("dict-gcide", "GNU General Public License",
          "GPL-2+ (GCIDE; derived from the public-domain Webster's 1913 and WordNet 1.5)"),),
        0.70, _read_gcide, (GCIDE_DICT, GCIDE_DICT.with_name("gcide.index")),
    ),
    _SourceSpec(
        "kjv", "King James Bible (1611), every verse via `bible -f gen1:1-rev22:21`",
        ("bible-kjv", "bible-kjv-text"),
        (("bible-kjv", "GPL", "GPL-2+ (Bible Retrieval System program)"),
         ("bible-kjv-text", "expired",
          "public domain (King James Version text, 1611, copyright expired)")),
        0.06, _read_kjv,
    ),
    _SourceSpec(
        "fortunes", "fortune-mod cookie files /usr/share/games/fortunes/* "
        "(without .dat indexes and the ascii-art files)",
        ("fortunes", "fortunes-min"),
        (("fortunes", "BSD copyright",
          "BSD-style (fortune-mod, The Regents of the University of California); "
          "collected quotations"),
         ("fortunes-min", "BSD copyright",
          "BSD-style (fortune-mod, The Regents of the University of California); "
          "collected quotations")),
        0.05, _read_fortunes, (FORTUNES_DIR,),
    ),
)

_NOTES = (
    "Tokens: lowercase letter runs (any script, NFKC-normalised); internal apostrophes "
    "kept (don't, king's) so contractions stay whole and re-tokenising is idempotent.",
    "Hyphenated words are split (well-known -> well known): as units most compounds "
    "would be rarer than min-count 5, while their parts are common words.",
    "Tokens containing digits are dropped: here they are verse/sense numbers, dates and "
    "chemical formulas; URLs and e-mail addresses are dropped whole.",
    "Sentences: one per line, split at . ! ? followed by space (not after abbreviations "
    "or initials); sentences with fewer than 2 tokens are left out (no skip-gram pairs).",
    "WordNet: the gloss after '|' is split at ';' into definitions and quoted examples; "
    "the licence header and example attributions ('- Shakespeare') are dropped.",
    "Dictionary headwords are kept: each WordNet definition starts with its synset's "
    "words and each GCIDE definition paragraph with its headword(s), as the entry is "
    "printed ('berlin german capital capital of germany located in eastern germany'). "
    "Without them a definition never names the word it defines, and the default space "
    "learned little about rare words from the two dictionaries (measured: with headwords "
    "analogy and SimLex rose; see resources/words/default-space manifest). This is "
    "real entry text for every entry alike, not sentences made from an answer list.",
    "GCIDE: database header entries (00-database-*) dropped; headwords, pronunciations "
    "(\\...\\), etymologies and other [...] spans, part-of-speech abbreviations, field "
    "labels like (Bot.), sense numbers, source citations (--Shak.) and words with "
    "unrepresentable letters ('?') removed; accent codes like ['e] turned into letters; "
    "cross-references in {braces} kept as words.",
    "KJV: verse references (Ge1:1) stripped; each verse split into sentences.",
    "fortunes: entries split at '%' lines, paragraphs at blank lines; attribution lines "
    "keep their words without the leading '--'; the ascii-art files art and ascii-art, "
    ".dat indexes and .u8 links are skipped (off/, if present, is not read).",
    "The rome demo (rome - italy + germany -> berlin) does not work on this corpus, and no "
    "weighting we tried fixes it. 'berlin' occurs 63 times, mostly as Berlin wool, blue, "
    "black, iron or the carriage (GCIDE 1913) and in war history; 'rome' 376 times, mostly "
    "ancient and papal Rome. Tried, 30 epochs each (bench/results/words-sweep-cuda-h100"
    ".json; rank of berlin among 57,812 words): source weights 1:1:1:1 (rank 5,324), "
    "WordNet x2 (3,013), WordNet x3 without KJV (2,890; 1,091 with input+output vectors), "
    "dictionaries only (5,675); sample 1e-4 (2,793); window 5 / 8 / 15 (10,042 / 5,324 / "
    "7,073); dim 200 (6,323); negative 15 (3,542). Earlier on the CPU: WordNet x3 (not in "
    "the top 3,000). paris - france + germany -> berlin reaches rank 9 to 37 with window "
    "8 and sample 1e-3. Oversampling WordNet's encyclopedic entries (the 7,730 instance "
    "synsets: named places, people, events; 137k tokens) 5 extra times, spread through "
    "the corpus, 12 epochs on the CPU (python -m bench.words_instance_trial, "
    "bench/results/words-instance-trial-cpu.json): berlin rank 1,877 (5,456 without), but "
    "analogy fell from 0.313 to 0.248 and SimLex from 0.446 to 0.424, and rome - italy + "
    "germany became flavian, decius, persecution, hitler, adenauer. Adding "
    "sentences about capitals would fake the evaluation, so the corpus stays as built.",
)


def _dpkg_versions(packages: Iterable[str]) -> dict[str, str]:
    names = list(packages)
    try:
        result = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Version}\n", *names],
                                capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    versions = {}
    for line in result.stdout.splitlines():
        name, _, version = line.partition("\t")
        if version:
            versions[name.split(":")[0]] = version
    return versions


def _package_info(package: str, keyword: str, licence: str, versions: dict[str, str]
                  ) -> PackageInfo:
    copyright_file = Path("/usr/share/doc") / package / "copyright"
    try:
        text = copyright_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    if keyword.lower() not in text.lower():
        # The summary was written for the packaged copyright file; say so if it changed.
        licence = f"{licence} (unverified: read {copyright_file})"
    return PackageInfo(package, versions.get(package, "unknown"), licence, str(copyright_file))


def _check_sources() -> None:
    missing: list[str] = []
    for spec in _SOURCES:
        if any(not p.exists() for p in spec.required):
            missing.extend(spec.packages[:1])
        if spec.name == "kjv" and shutil.which("bible") is None:
            missing.extend(spec.packages)
    if missing:
        names = " ".join(dict.fromkeys(missing))
        raise EngineError(
            f"The default corpus needs Debian packages that are not installed: {names}.",
            f"Install them with: sudo apt-get install {names}",
        )


def _rebuild_command(out_path: Path) -> str:
    command = "python -m engine words build-corpus"
    try:
        is_default = out_path.resolve() == default_corpus_path().resolve()
    except OSError:
        is_default = False
    return command if is_default else f"{command} --out {shlex.quote(str(out_path))}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Throttle:
    """Forwards progress at most every 0.1 s: a GUI needs no more."""

    def __init__(self, progress: ProgressCallback) -> None:
        self._progress = progress
        self._last = 0.0

    def __call__(self, fraction: float, message: str, force: bool = False, **stats) -> None:
        now = time.monotonic()
        if force or now - self._last >= 0.1:
            self._last = now
            self._progress(Progress(min(max(fraction, 0.0), 1.0), message, stats))


def build_default_corpus(
    out_path: Path,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> CorpusReport:
    """Build the default English corpus at ``out_path`` (one tokenised sentence per line)
    and its manifest beside it (``<name>.manifest.json``).

    Both files appear atomically (temp file + rename) and only when the build finishes;
    a cancelled or failed build leaves any previous corpus untouched and no temp files.
    Raises EngineError when a source package is missing, Cancelled when cancelled.
    """
    out_path = Path(out_path)
    cancel.raise_if_cancelled()
    _check_sources()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path = manifest_path_for(out_path)
    notify = _Throttle(progress)
    notify(0.0, "building the default English corpus", force=True)
    all_packages = [p for spec in _SOURCES for p in spec.packages]
    versions = _dpkg_versions(all_packages)

    counts: Counter[str] = Counter()
    reports: list[SourceReport] = []
    n_sentences = n_tokens = 0
    temp_corpus = temp_manifest = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp",
                                    dir=out_path.parent)
        temp_corpus = Path(name)
        with open(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            base = 0.0
            for spec in _SOURCES:
                t0 = time.perf_counter()
                src_sentences = src_tokens = 0

                def report(fraction: float, spec: _SourceSpec = spec, base: float = base,
                           ) -> None:
                    notify(base + spec.weight * fraction, f"reading {spec.name}")

                notify(base, f"reading {spec.name}", force=True)
                batch: list[str] = []
                for tokens in spec.read(report, cancel):
                    if len(tokens) < 2:
                        continue
                    counts.update(tokens)
                    src_sentences += 1
                    src_tokens += len(tokens)
                    batch.append(" ".join(tokens))
                    if len(batch) >= 4096:
                        batch.append("")
                        out.write("\n".join(batch))
                        batch.clear()
                if batch:
                    batch.append("")
                    out.write("\n".join(batch))
                cancel.raise_if_cancelled()
                packages = tuple(_package_info(p, kw, lic, versions)
                                 for p, kw, lic in spec.licences)
                reports.append(SourceReport(spec.name, spec.description, packages,
                                            src_sentences, src_tokens,
                                            round(time.perf_counter() - t0, 2)))
                n_sentences += src_sentences
                n_tokens += src_tokens
                base += spec.weight
        notify(0.99, "writing the manifest", force=True)
        digest = _sha256(temp_corpus)
        n_types = len(counts)
        n_types_min5 = sum(1 for c in counts.values() if c >= MIN_COUNT_REPORTED)
        manifest = {
            "format": MANIFEST_FORMAT,
            "name": out_path.stem,
            "file": out_path.name,
            "bytes": temp_corpus.stat().st_size,
            "sha256": digest,
            "sentences": n_sentences,
            "tokens": n_tokens,
            "types": n_types,
            f"types_min_count_{MIN_COUNT_REPORTED}": n_types_min5,
            "rebuild_command": _rebuild_command(out_path),
            "sources": [
                {
                    "name": r.name,
                    "description": r.description,
                    "packages": [vars(p) for p in r.packages],
                    "sentences": r.n_sentences,
                    "tokens": r.n_tokens,
                }
                for r in reports
            ],
            "notes": list(_NOTES),
        }
        fd, name = tempfile.mkstemp(prefix=f".{manifest_path.name}.", suffix=".tmp",
                                    dir=out_path.parent)
        temp_manifest = Path(name)
        with open(fd, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        cancel.raise_if_cancelled()
        for done_file in (temp_corpus, temp_manifest):
            done_file.chmod(0o644)  # mkstemp makes 0600; these are ordinary shareable data
        os.replace(temp_corpus, out_path)
        temp_corpus = None
        os.replace(temp_manifest, manifest_path)
        temp_manifest = None
    finally:
        for leftover in (temp_corpus, temp_manifest):
            if leftover is not None:
                leftover.unlink(missing_ok=True)
    notify(1.0, "corpus ready", force=True, tokens=n_tokens, types=n_types)
    return CorpusReport(out_path, manifest_path, n_sentences, n_tokens, n_types, n_types_min5,
                        digest, tuple(reports))


# ---- reading a corpus -----------------------------------------------------------------

_SNIFF_BYTES = 8192
_MAX_WARNINGS_PER_FILE = 20
_MAX_PIECE_BYTES = 1 << 20


def is_built_corpus(path: Path) -> bool:
    """Whether ``path`` is a corpus this module wrote (already tokenised): its manifest
    is beside it and still describes a file of this size."""
    manifest = manifest_path_for(path)
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return (isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT
                and data.get("file") == path.name and data.get("bytes") == path.stat().st_size)
    except (OSError, ValueError):
        return False


def _looks_binary(path: Path) -> bool:
    """NUL bytes in the first few KiB (after decompressing a .gz/.bz2/.xz file)."""
    with compressed.open_binary(path) as fh, compressed.reading(path):
        return b"\0" in fh.read(_SNIFF_BYTES)


def _corpus_files(path: Path, warnings: list[str] | None) -> list[Path]:
    if not path.exists():
        raise EngineError(f"Corpus not found: {path}",
                          "Choose an existing text file or a folder of text files.")
    if path.is_file():
        if _looks_binary(path):
            raise EngineError(f"{path} is not a text file (it contains NUL bytes).",
                              "Choose a plain text file (UTF-8), or a folder of them.")
        return [path]
    files = []
    for f in sorted(path.rglob("*")):
        relative = f.relative_to(path)
        # Hidden files and folders (.git, .DS_Store) are tool state, not text.
        if any(part.startswith(".") for part in relative.parts) or not f.is_file():
            continue
        if f.name.endswith(".manifest.json"):
            continue
        try:
            binary = _looks_binary(f)
        except OSError as e:
            if warnings is not None:
                warnings.append(f"{f}: skipped, cannot be read ({e.strerror})")
            continue
        except EngineError as e:  # a damaged .gz/.bz2/.xz file
            if warnings is not None:
                warnings.append(f"skipped: {e.message}")
            continue
        if binary:
            if warnings is not None:
                warnings.append(f"{f}: skipped, not a text file (contains NUL bytes)")
            continue
        files.append(f)
    if not files:
        raise EngineError(f"The folder {path} has no text files.",
                          "Put .txt files (UTF-8 text) in it, or choose a text file.")
    return files


def _decode_line(raw: bytes, where: str, column: int, warnings: list[str] | None,
                 count: list[int]) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        try:
            text, fallback = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d, ...)
            text, fallback = raw.decode("latin-1"), "latin-1"
        count[0] += 1
        if warnings is not None and count[0] <= _MAX_WARNINGS_PER_FILE:
            warnings.append(f"{where}: not valid UTF-8 (byte 0x{raw[e.start]:02x} at column "
                            f"{column + e.start + 1}); decoded as {fallback}")
        return text


def _line_pieces(fh: BinaryIO) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte column, bytes) for each line of a binary file; a line longer
    than _MAX_PIECE_BYTES (text8 is one 100 MB line) comes in pieces cut at whitespace,
    so memory stays bounded and no word is cut in two."""
    lineno, column, pending = 1, 0, b""
    while True:
        chunk = fh.readline(_MAX_PIECE_BYTES)
        if not chunk:
            if pending:
                yield lineno, column, pending
            return
        data = pending + chunk if pending else chunk
        if data.endswith(b"\n"):
            yield lineno, column, data
            lineno, column, pending = lineno + 1, 0, b""
            continue
        cut = max(data.rfind(b" "), data.rfind(b"\t")) + 1
        if cut <= 0:  # no whitespace at all: not words, cut anywhere
            cut = len(data)
        pending = data[cut:]
        yield lineno, column, data[:cut]
        column += cut


def iter_corpus_sentences(
    path: Path,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    warnings: list[str] | None = None,
) -> Iterator[list[str]]:
    """Sentences (token lists) of a text file or of every text file under a folder.

    Each line is split into sentences and tokenised with ``tokenize``; lines do not join,
    so a window never spans a line break. A corpus built by ``build_default_corpus``
    (recognised by its manifest) is read as is, one sentence per line, much faster.
    Lines that are not UTF-8 are decoded as cp1252 (latin-1 where cp1252 has no
    character) and reported in ``warnings`` as "FILE:LINE: ..."; files with NUL bytes
    in a folder are skipped with a warning. Raises EngineError for a missing path, a
    binary file or a folder without text files, and Cancelled when cancelled.
    """
    path = Path(path)
    files = _corpus_files(path, warnings)
    sizes = [f.stat().st_size for f in files]
    total = max(sum(sizes), 1)
    notify = _Throttle(progress)
    finished = 0
    for f, size in zip(files, sizes, strict=True):
        cancel.raise_if_cancelled()
        notify(finished / total, f"reading {f.name}")
        fast = is_built_corpus(f)
        bad_lines = [0]
        with compressed.open_binary(f) as fh, compressed.reading(f):
            for n, (lineno, column, raw) in enumerate(_line_pieces(fh)):
                if n % 4096 == 0 or len(raw) > 65536:
                    cancel.raise_if_cancelled()
                    done = finished + compressed.consumed(fh)  # bytes on disk
                    notify(min(done / total, 1.0), f"reading {f.name}")
                if fast:
                    tokens = raw.decode("utf-8", "replace").split()
                    if tokens:
                        yield tokens
                    continue
                line = _decode_line(raw, f"{f}:{lineno}", column, warnings, bad_lines)
                if lineno == 1 and column == 0:
                    line = line.lstrip("\ufeff")
                yield from tokenize_sentences(line)
        if warnings is not None and bad_lines[0] > _MAX_WARNINGS_PER_FILE:
            warnings.append(f"{f}: {bad_lines[0] - _MAX_WARNINGS_PER_FILE} more lines not "
                            "valid UTF-8, decoded the same way")
        finished += size
    notify(1.0, "corpus read", force=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m engine.words.corpus [OUT]``: build the default corpus (for debugging;
    the CLI command is ``python -m engine words build-corpus``)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else default_corpus_path()
    t0 = time.perf_counter()
    report = build_default_corpus(out)
    print(json.dumps({
        "path": str(report.path), "sentences": report.n_sentences, "tokens": report.n_tokens,
        "types": report.n_types, "types_min5": report.n_types_min5,
        "sources": {s.name: {"sentences": s.n_sentences, "tokens": s.n_tokens,
                             "seconds": s.seconds} for s in report.sources},
        "seconds": round(time.perf_counter() - t0, 1),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
