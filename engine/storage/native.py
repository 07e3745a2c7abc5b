"""Saving, loading, importing and exporting embedding spaces.

The native format is a folder of three files:

* ``vectors.npy``: the N x D matrix, float32 (or float16 to halve what is shipped);
* ``keys.tsv``: a header row ``key<TAB>column...`` and one row per key;
* ``manifest.json``: format version, kind, shape, dtype, metadata column types, the
  space's ``info`` and the sha256 of the two other files.

Interop covers word2vec text and binary, GloVe, fastText ``.vec`` and the TensorFlow
Embedding Projector TSV pair, plus CSV exports of neighbour lists and 2-D/3-D
coordinates.

Every writer goes through a temporary file or folder that is renamed into place, so a
crash or a full disk never leaves a half-written file under the real name. Every reader
either returns a complete space or raises an :class:`EngineError` naming the file and
the line.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import ctypes
import errno
import functools
import hashlib
import io
import json
import math
import mmap
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal

import numpy as np

from engine import compressed
from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.spaces.embedding_space import EmbeddingSpace

PathLike = str | os.PathLike[str]
Format = Literal[
    "word2vec-text", "word2vec-binary", "glove", "fasttext-vec", "tf-projector", "native"
]
FORMATS: tuple[Format, ...] = (
    "word2vec-text", "word2vec-binary", "glove", "fasttext-vec", "tf-projector", "native"
)

NATIVE_FORMAT = "embedding-explorer-space"
NATIVE_VERSION = 1
VECTORS_FILE = "vectors.npy"
KEYS_FILE = "keys.tsv"
MANIFEST_FILE = "manifest.json"
_DTYPES = ("float32", "float16")
_COLUMN_TYPES = ("int", "float", "bool", "str", "json")
_FLOAT16_MAX = float(np.finfo(np.float16).max)

# Rows parsed per numpy block, and how often long reads poll for cancel and report
# progress: ~10 ms of work at the speeds measured on a 60k x 100 GloVe file.
_CHUNK_ROWS = 8192
# word2vec binary words are short; a "word" longer than this means the file is not
# word2vec binary or the header's dim is wrong.
_MAX_WORD_BYTES = 4096
# 9 significant digits are the fewest that always give back the same float32.
_FLOAT32_DIGITS = "%.9g"

_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

_READ_HINT = "Check the path and that you may read the file."
_WRITE_HINT = (
    "Check that the folder exists, that you may write to it and that the disk is not full."
)
_REEXPORT_HINT = "The file may be damaged or truncated: re-download it or export it again."


# ---- errors ----------------------------------------------------------------------------
def _err(path: Path, line: int | None, what: str, hint: str = "") -> EngineError:
    where = f"{path}, line {line}" if line is not None else str(path)
    return EngineError(f"{where}: {what}", hint)


def _utf8_error(path: Path, line: int, byte_offset: int) -> EngineError:
    return _err(
        path, line, f"not valid UTF-8 text (byte offset {byte_offset} in the file).",
        "Words must be UTF-8. Re-save the file as UTF-8, or export it again from the tool "
        "that made it.",
    )


def _empty_file(path: Path) -> EngineError:
    return _err(path, 1, "the file is empty.", "Pick a file that holds vectors.")


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into an EngineError a person can act on."""
    try:
        yield
    except OSError as e:
        raise EngineError(f"Could not write {path}: {e.strerror or e}.", _WRITE_HINT) from e


def _open_read(path: Path) -> BinaryIO:
    """``path`` for binary reading; ``.gz``/``.bz2``/``.xz`` files come decompressed."""
    try:
        return compressed.open_binary(path)
    except FileNotFoundError:
        raise _err(path, None, "no such file.", _READ_HINT) from None
    except IsADirectoryError:
        raise _err(path, None, "is a folder, not a file.", "Pick the file itself.") from None
    except OSError as e:
        raise _err(path, None, f"cannot be read ({e.strerror or e}).", _READ_HINT) from None


def _read_bytes(path: Path) -> bytes:
    with _open_read(path) as f, compressed.reading(path):
        return f.read()


# ---- atomic writes ---------------------------------------------------------------------
def _fsync_dir(path: Path) -> None:
    # Makes a rename durable on POSIX. Windows cannot open folders; NTFS journals renames.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(
    path: PathLike, mode: Literal["wb", "w"] = "wb", encoding: str = "utf-8"
) -> Iterator[IO[Any]]:
    """A file object for a temporary file beside ``path``, renamed over ``path`` on success.

    The temporary file is fsynced before the rename, so after a crash ``path`` holds
    either the old or the new contents, never a mix. If the block raises, the temporary
    file is deleted and ``path`` is untouched. Text mode writes ``\\n`` line endings on
    every platform.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', not {mode!r}")
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    # 0o666 lets the umask set the permissions as for any new file (mkstemp forces 0o600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        f: IO[Any] = (
            os.fdopen(fd, "wb") if mode == "wb"
            else os.fdopen(fd, "w", encoding=encoding, newline="")
        )
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    with atomic_writer(path, "wb") as f:
        f.write(data)
    return Path(path)


def atomic_write_text(path: PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically, with line endings exactly as given."""
    return atomic_write_bytes(path, text.encode(encoding))


def file_sha256(path: PathLike) -> str:
    """The hex sha256 of a file's bytes, read in blocks."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# ---- native format: save ---------------------------------------------------------------
def _check_keys(keys: Sequence[str], forbidden: str, where: str, hint: str) -> None:
    for i, key in enumerate(keys):
        if not isinstance(key, str):
            raise EngineError(f"Key number {i + 1} is {type(key).__name__}, not text.", hint)
        if any(c in key for c in forbidden):
            raise EngineError(
                f"The key {key!r} (number {i + 1}) contains "
                f"{_describe_chars(key, forbidden)}, which {where} cannot hold.",
                hint,
            )


def _describe_chars(text: str, forbidden: str) -> str:
    names = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a carriage return"}
    found = [names.get(c, repr(c)) for c in forbidden if c in text]
    return " and ".join(found) if found else "an empty word"


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool | np.bool_)


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not _is_bool(v)


def _column_type(values: Sequence[Any]) -> str:
    """The narrowest type that round-trips every value; ``json`` is the catch-all."""
    vals = list(values)
    if not vals:
        return "str"
    if all(_is_bool(v) for v in vals):
        return "bool"
    if all(_is_int(v) for v in vals):
        return "int"
    if all(_is_int(v) or isinstance(v, float | np.floating) for v in vals):
        return "float"
    if all(isinstance(v, str) for v in vals):
        return "str"
    return "json"


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"a {type(value).__name__} cannot be written as JSON")


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_ESCAPE_RE = re.compile(r"[\\\t\n\r]")
_UNESCAPE_RE = re.compile(r"\\(.)")


def _escape(value: Any) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], str(value))


def _unescape(cell: str) -> str:
    if "\\" not in cell:
        return cell
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPES.get(m.group(1), m.group()), cell)


_ENCODERS: dict[str, Callable[[Any], str]] = {
    "int": lambda v: str(int(v)),
    "float": lambda v: repr(float(v)),
    "bool": lambda v: "true" if v else "false",
    "str": _escape,
    "json": _to_json,
}
_BOOLS = {"true": True, "false": False}
_DECODERS: dict[str, Callable[[str], Any]] = {
    "int": int,
    "float": float,
    "bool": lambda s: _BOOLS[s],
    "str": _unescape,
    "json": json.loads,
}


def _keys_tsv(space: EmbeddingSpace, columns: Mapping[str, str]) -> bytes:
    names = list(columns)
    encoders = [_ENCODERS[columns[n]] for n in names]
    lines = ["\t".join(["key", *names])]
    if not names:
        lines.extend(space.keys)
    else:
        cols = [space.metadata[n] for n in names]
        for i, key in enumerate(space.keys):
            cells = [key]
            for col, enc in zip(cols, encoders, strict=True):
                try:
                    cells.append(enc(col[i]))
                except (TypeError, ValueError) as e:
                    name = names[len(cells) - 1]
                    raise EngineError(
                        f"Metadata column {name!r}, key {key!r}: the value cannot be saved ({e}).",
                        "Use numbers, text, booleans, or lists and dicts of those.",
                    ) from e
            lines.append("\t".join(cells))
    lines.append("")
    return "\n".join(lines).encode("utf-8")


def _info_json(info: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in info.items():
        try:
            out[str(key)] = json.loads(_to_json(value))
        except (TypeError, ValueError) as e:
            raise EngineError(
                f"The space's info[{key!r}] cannot be saved as JSON ({e}).",
                "Keep plain numbers, text, lists and dicts in a space's info.",
            ) from e
    return out


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


@functools.cache
def _renameat2() -> Any:
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with Linux renameat2(RENAME_EXCHANGE).

    With it a reader of ``b`` sees the old folder or the new one, never no folder at
    all. Returns False where the kernel, libc or file system lacks it.
    """
    if not sys.platform.startswith("linux"):
        return False
    fn = _renameat2()
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    unsupported = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, getattr(errno, "ENOTSUP", -1)}
    if err in unsupported:
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _swap_into_place(new: Path, target: Path) -> None:
    if not target.exists():
        os.rename(new, target)
    elif _rename_exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old space
    else:
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:12]}")
        os.rename(target, old)
        try:
            os.rename(new, target)
        except BaseException:
            os.rename(old, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


def _check_replaceable(directory: Path) -> None:
    # Never delete something that is not a space: a typo must not wipe someone's folder.
    if not directory.exists() and not directory.is_symlink():
        return
    if directory.is_symlink() or not directory.is_dir():
        raise EngineError(
            f"{directory} exists and is not a folder; a space is saved as a folder.",
            "Choose another name, or move the existing file away.",
        )
    if not (directory / MANIFEST_FILE).is_file() and any(directory.iterdir()):
        raise EngineError(
            f"{directory} is a folder that holds other files, not a saved space; "
            "it was left untouched.",
            "Choose a new folder name, or empty the folder first.",
        )


def save_space(
    space: EmbeddingSpace,
    directory: PathLike,
    *,
    dtype: Literal["float32", "float16"] = "float32",
) -> Path:
    """Save ``space`` as a native folder (``vectors.npy``, ``keys.tsv``, ``manifest.json``).

    Everything is written into a hidden sibling folder, fsynced, and then swapped in for
    ``directory`` (atomically on Linux; elsewhere the old folder is renamed aside for a
    moment and then deleted). A crash therefore leaves the old space or the new one,
    never a mix. ``dtype="float16"`` halves the file; :func:`load_space` still returns
    float32. Keys may hold any text except tabs and line breaks.
    """
    directory = Path(directory)
    if dtype not in _DTYPES:
        raise EngineError(f"Unknown dtype {dtype!r} for saving a space.",
                          "Use 'float32' or 'float16'.")
    _check_keys(
        space.keys, "\t\n\r", "keys.tsv",
        "Replace tabs and line breaks in keys (e.g. by spaces) before saving.",
    )
    for name in space.metadata:
        if not isinstance(name, str) or not name or any(c in name for c in "\t\n\r"):
            raise EngineError(
                f"Metadata column name {name!r} cannot be saved.",
                "Column names must be non-empty text without tabs or line breaks.",
            )
    if dtype == "float16" and len(space) and float(np.abs(space.vectors).max()) > _FLOAT16_MAX:
        raise EngineError(
            f"Some vector values exceed {_FLOAT16_MAX:g}, the largest float16 number.",
            "Save with dtype='float32'.",
        )
    columns = {name: _column_type(values) for name, values in space.metadata.items()}
    keys_bytes = _keys_tsv(space, columns)
    info = _info_json(space.info)
    vectors = np.ascontiguousarray(space.vectors, dtype="<f2" if dtype == "float16" else "<f4")

    parent = directory.parent
    with _writing(directory):
        parent.mkdir(parents=True, exist_ok=True)
        _check_replaceable(directory)
        tmp = parent / f".{directory.name}.tmp-{uuid.uuid4().hex[:12]}"
        tmp.mkdir()
        try:
            with open(tmp / VECTORS_FILE, "wb") as f:
                np.save(f, vectors, allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
            _write_synced(tmp / KEYS_FILE, keys_bytes)
            manifest = {
                "format": NATIVE_FORMAT,
                "version": NATIVE_VERSION,
                "kind": space.kind,
                "dim": space.dim,
                "count": len(space),
                "dtype": dtype,
                "columns": columns,
                "info": info,
                "sha256": {
                    VECTORS_FILE: file_sha256(tmp / VECTORS_FILE),
                    KEYS_FILE: hashlib.sha256(keys_bytes).hexdigest(),
                },
            }
            text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
            _write_synced(tmp / MANIFEST_FILE, text.encode("utf-8"))
            _fsync_dir(tmp)
            _swap_into_place(tmp, directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return directory


# ---- native format: load ---------------------------------------------------------------
class _ChangedWhileReading(Exception):
    """The manifest changed between reading it and reading the files it vouches for."""


def load_space(directory: PathLike) -> EmbeddingSpace:
    """Load a folder written by :func:`save_space`, checking version, checksums and shapes.

    If another process replaces the folder mid-read, the read starts over (the checksums
    would otherwise mix two versions).
    """
    directory = Path(directory)
    for _ in range(3):
        try:
            return _load_space_once(directory)
        except _ChangedWhileReading:
            continue
    raise EngineError(
        f"{directory} changed three times while it was being read.",
        "Another program keeps saving to it; wait until it has finished and load again.",
    )


def _missing_space(directory: Path) -> EngineError:
    if directory.exists():
        return EngineError(
            f"{directory} is a file, not a saved space folder.",
            "Pick the folder that holds manifest.json, or import the file with import_vectors.",
        )
    leftovers = sorted(directory.parent.glob(f".{directory.name}.old-*"))
    if leftovers:
        hint = (f"A save was interrupted; the previous version is in {leftovers[-1]}. "
                f"Rename it to {directory.name} to recover it.")
    else:
        hint = "Check the path, or save the space again."
    return EngineError(f"{directory}: no such folder.", hint)


def _load_space_once(directory: Path) -> EmbeddingSpace:
    if not directory.is_dir():
        raise _missing_space(directory)
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.is_file():
        raise _err(
            manifest_path, None, "is missing, so this folder is not a saved space.",
            "Pick the folder that save_space wrote, or import vector files with import_vectors.",
        )
    manifest_bytes = _read_bytes(manifest_path)
    manifest = _parse_manifest(manifest_path, manifest_bytes)

    def changed() -> bool:
        try:
            return manifest_path.read_bytes() != manifest_bytes
        except OSError:
            return True

    blobs: dict[str, bytes] = {}
    for name in (VECTORS_FILE, KEYS_FILE):
        path = directory / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if changed():
                raise _ChangedWhileReading() from None
            raise _err(
                path, None, "is missing from the space folder.",
                "The folder is incomplete: save or export the space again.",
            ) from None
        except OSError as e:
            raise _err(path, None, f"cannot be read ({e.strerror or e}).", _READ_HINT) from None
        actual = hashlib.sha256(data).hexdigest()
        expected = manifest["sha256"][name]
        if actual != expected:
            if changed():
                raise _ChangedWhileReading()
            raise _err(
                path, None,
                f"its contents do not match the sha256 checksum in {MANIFEST_FILE} "
                f"(expected {expected[:12]}…, found {actual[:12]}…).",
                "The file was modified or damaged after saving. Restore it from a backup, "
                "or save the space again from its source.",
            )
        blobs[name] = data
    vectors = _parse_vectors(directory / VECTORS_FILE, blobs[VECTORS_FILE], manifest)
    keys, metadata = _parse_keys(directory / KEYS_FILE, blobs[KEYS_FILE], manifest)
    try:
        return EmbeddingSpace(keys, vectors, metadata, manifest["kind"], manifest["info"])
    except EngineError as e:
        raise _err(directory / VECTORS_FILE, None, e.message, _REEXPORT_HINT) from e


def _parse_manifest(path: Path, data: bytes) -> dict[str, Any]:
    hint = "The manifest was edited or damaged; save the space again."
    try:
        manifest = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise _utf8_error(path, data.count(b"\n", 0, e.start) + 1, e.start) from None
    except json.JSONDecodeError as e:
        raise _err(path, e.lineno, f"not valid JSON ({e.msg}).", hint) from None
    if not isinstance(manifest, dict) or manifest.get("format") != NATIVE_FORMAT:
        raise _err(
            path, None, f"not an Embedding Explorer space manifest (its 'format' is not "
            f"{NATIVE_FORMAT!r}).",
            "Pick a folder written by save_space, or import the vectors with import_vectors.",
        )
    version = manifest.get("version")
    if not _is_int(version) or version < 1:
        raise _err(path, None, f"'version' must be a whole number >= 1, not {version!r}.", hint)
    if version > NATIVE_VERSION:
        raise _err(
            path, None, f"the space was saved in format version {version}, but this "
            f"Embedding Explorer reads versions up to {NATIVE_VERSION}.",
            "Update Embedding Explorer to open it.",
        )

    def bad(field: str, expected: str) -> EngineError:
        return _err(path, None, f"field {field!r} is missing or invalid (expected {expected}).",
                    hint)

    if not isinstance(manifest.get("kind"), str):
        raise bad("kind", "text")
    for field in ("dim", "count"):
        if not _is_int(manifest.get(field)) or manifest[field] < 0:
            raise bad(field, "a whole number >= 0")
    if manifest.get("dtype") not in _DTYPES:
        raise bad("dtype", " or ".join(_DTYPES))
    columns = manifest.get("columns")
    if not isinstance(columns, dict) or any(t not in _COLUMN_TYPES for t in columns.values()):
        raise bad("columns", "a map from column name to one of " + ", ".join(_COLUMN_TYPES))
    if not isinstance(manifest.get("info"), dict):
        raise bad("info", "a JSON object")
    sums = manifest.get("sha256")
    if not isinstance(sums, dict) or not all(
        isinstance(sums.get(name), str) for name in (VECTORS_FILE, KEYS_FILE)
    ):
        raise bad("sha256", f"the checksums of {VECTORS_FILE} and {KEYS_FILE}")
    return manifest


def _parse_vectors(path: Path, data: bytes, manifest: Mapping[str, Any]) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise _err(path, None, f"not a readable numpy array ({e}).", _REEXPORT_HINT) from None
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        what = array.dtype if isinstance(array, np.ndarray) else "an archive"
        raise _err(path, None, f"holds {what}, not floating-point vectors.", _REEXPORT_HINT)
    dtype = f"float{array.dtype.itemsize * 8}"
    if dtype != manifest["dtype"]:
        raise _err(
            path, None, f"holds {dtype} values but {MANIFEST_FILE} says {manifest['dtype']}.",
            _REEXPORT_HINT,
        )
    expected = (manifest["count"], manifest["dim"])
    if array.shape != expected:
        raise _err(
            path, None, f"has shape {array.shape}, but {MANIFEST_FILE} announces {expected[0]} "
            f"keys of dimension {expected[1]}.", _REEXPORT_HINT,
        )
    return array.astype(np.float32)


def _parse_keys(
    path: Path, data: bytes, manifest: Mapping[str, Any]
) -> tuple[list[str], dict[str, list[Any]]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _utf8_error(path, data.count(b"\n", 0, e.start) + 1, e.start) from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    names = list(manifest["columns"])
    types = [manifest["columns"][n] for n in names]
    header = "\t".join(["key", *names])
    if not lines or lines[0] != header:
        found = lines[0][:80] if lines else ""
        raise _err(
            path, 1, f"the header row should be {header!r} (the columns in {MANIFEST_FILE}), "
            f"found {found!r}.", _REEXPORT_HINT,
        )
    rows = lines[1:]
    count = manifest["count"]
    if len(rows) != count:
        line = count + 2 if len(rows) > count else len(rows) + 2
        raise _err(
            path, line, f"the file holds {len(rows)} keys but {MANIFEST_FILE} says {count}.",
            _REEXPORT_HINT,
        )
    width = 1 + len(names)
    decoders = [_DECODERS[t] for t in types]
    keys: list[str] = []
    columns: list[list[Any]] = [[] for _ in names]
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        line = i + 2
        cells = row.split("\t") if width > 1 else [row]
        if len(cells) != width:
            raise _err(
                path, line, f"expected {width} tab-separated fields (the key and "
                f"{len(names)} columns), found {len(cells)}.", _REEXPORT_HINT,
            )
        key = cells[0]
        if key in seen:
            raise _err(path, line, f"the key {key!r} already appeared on line {seen[key]}.",
                       _REEXPORT_HINT)
        seen[key] = line
        keys.append(key)
        for j, cell in enumerate(cells[1:]):
            try:
                columns[j].append(decoders[j](cell))
            except (ValueError, KeyError):  # JSONDecodeError is a ValueError
                raise _err(
                    path, line, f"column {names[j]!r}: {cell[:40]!r} is not a valid "
                    f"{types[j]}.", _REEXPORT_HINT,
                ) from None
    return keys, dict(zip(names, columns, strict=True))


# ---- text parsing shared by the interop readers -----------------------------------------
def _text_lines(
    path: Path, f: BinaryIO, progress: ProgressCallback, cancel: CancelToken
) -> Iterator[tuple[int, str]]:
    """(1-based line number, text without its line ending) for each non-blank line.

    Lines are decoded one at a time so a bad byte is reported with its line; a blank
    line is allowed only at the end of the file, where editors leave them.
    """
    size = max(os.fstat(f.fileno()).st_size, 1)
    offset = 0
    blank = 0
    for lineno, raw in enumerate(f, 1):
        if lineno % _CHUNK_ROWS == 0:
            cancel.raise_if_cancelled()
            progress(Progress(min(compressed.consumed(f) / size, 1.0), f"Reading {path.name}",
                              {"lines": lineno}))
        skip = 3 if lineno == 1 and raw.startswith(codecs.BOM_UTF8) else 0
        try:
            text = raw[skip:].decode("utf-8") if skip else raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _utf8_error(path, lineno, offset + skip + e.start) from None
        offset += len(raw)
        text = text.rstrip("\r\n")
        if not text.strip(" \t"):
            blank = blank or lineno
            continue
        if blank:
            raise _err(path, blank, "empty line in the middle of the file.",
                       "Delete the empty line.")
        yield lineno, text


def _overflow_checked_later() -> contextlib.AbstractContextManager[Any]:
    # Numbers beyond float32 become inf, which _MatrixBuilder reports with its line;
    # numpy's overflow warning would only repeat that without the line.
    return np.errstate(over="ignore")


class _MatrixBuilder:
    """Parses rows of number strings into float32 blocks, remembering lines for errors."""

    def __init__(self, path: Path, dim: int, first_column: int) -> None:
        self._path = path
        self._dim = dim
        self._first_column = first_column  # the 1-based column of the first number
        self._block = np.empty((_CHUNK_ROWS, dim), dtype=np.float32)
        self._lines: list[int] = []
        self._done: list[np.ndarray] = []

    def add(self, line: int, fields: list[str]) -> None:
        try:
            # numpy parses the strings itself: as fast as np.fromstring and, unlike it,
            # raises on a bad value instead of silently stopping.
            self._block[len(self._lines)] = fields
        except ValueError:
            raise self._bad_number(line, fields) from None
        self._lines.append(line)
        if len(self._lines) == _CHUNK_ROWS:
            self._flush()

    def _bad_number(self, line: int, fields: list[str]) -> EngineError:
        hint = "Values must be plain decimal numbers such as 0.25 or -1.5e-3."
        for j, value in enumerate(fields):
            try:
                float(value)
            except ValueError:
                return _err(self._path, line, f"{value[:40]!r} (column {j + self._first_column}) "
                            "is not a number.", hint)
        return _err(self._path, line, "the numbers on this line cannot be read.", hint)

    def _flush(self) -> None:
        n = len(self._lines)
        block = self._block[:n]
        finite = np.isfinite(block)
        if not finite.all():
            r, c = (int(x) for x in np.argwhere(~finite)[0])
            raise _err(
                self._path, self._lines[r], f"column {c + self._first_column} is {block[r, c]}, "
                "not a finite number (NaN, infinity, or too large for float32).",
                "Every value must be finite; NaN usually means training diverged. "
                "Retrain, or delete that line.",
            )
        self._done.append(block.copy())
        self._lines.clear()

    def finish(self) -> np.ndarray:
        self._flush()
        if not self._done:
            return np.empty((0, self._dim), dtype=np.float32)
        return self._done[0] if len(self._done) == 1 else np.concatenate(self._done)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split_word_line(
    path: Path, line: int, text: str, dim: int, note: str
) -> tuple[str, list[str]]:
    # Files from some tools separate with tabs or several spaces; words never hold tabs.
    if "\t" in text:
        text = text.replace("\t", " ")
    fields = text.rstrip(" ").split(" ")
    if "" in fields:
        fields = [x for x in fields if x]
    found = len(fields) - 1
    if found == dim:
        return fields[0], fields[1:]
    if found > dim > 0:
        head = fields[: len(fields) - dim]
        # Large GloVe releases hold words with spaces (". . ."): extra leading fields that
        # are not numbers belong to the word. If they are numbers, the row is too long.
        if not any(_is_number(x) for x in head[1:]):
            return " ".join(head), fields[len(fields) - dim:]
    raise _err(
        path, line, f"expected a word followed by {dim} numbers{note}, found {found} values "
        "after the word.",
        "Every line must hold a word and the same number of values.",
    )


def _check_limit(limit: int | None) -> None:
    if limit is not None and (not _is_int(limit) or limit < 1):
        raise EngineError(f"limit must be a whole number >= 1, not {limit!r}.",
                          "Leave limit out to read every vector.")


def _read_word_text(
    path: PathLike,
    fmt: Format,
    header: bool,
    limit: int | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> EmbeddingSpace:
    path = Path(path)
    _check_limit(limit)
    with _open_read(path) as f, _overflow_checked_later(), compressed.reading(path):
        lines = _text_lines(path, f, progress, cancel)
        first = next(lines, None)
        if first is None:
            raise _empty_file(path)
        count: int | None = None
        note = ""
        if header:
            count, dim = _parse_count_dim(path, first[1])
            note = f" (the header on line {first[0]} says dim {dim})"
            body: Iterable[tuple[int, str]] = lines
        else:
            dim = _glove_dim(path, first)
            body = _chain_one(first, lines)
        words: list[str] = []
        seen: dict[str, int] = {}
        matrix = _MatrixBuilder(path, dim, first_column=2)
        for line, text in body:
            if limit is not None and len(words) >= limit:
                break
            if count is not None and len(words) == count:
                raise _err(
                    path, line, f"the header on line 1 announces {count} words, but the file "
                    "holds more.", "Fix the count in the header, or export the file again.",
                )
            word, values = _split_word_line(path, line, text, dim, note)
            if word in seen:
                raise _err(path, line, f"the word {word!r} already appeared on line "
                           f"{seen[word]}.", "Each word may appear only once; delete or rename "
                           "one of them.")
            seen[word] = line
            words.append(word)
            matrix.add(line, values)
        if not words:
            raise _err(path, 1, "the file holds a header but no vectors.",
                       "Pick a file that holds vectors.")
        if count is not None and len(words) < count and (limit is None or len(words) < limit):
            raise _err(
                path, 1, f"the header announces {count} words, but the file holds only "
                f"{len(words)}.", _REEXPORT_HINT,
            )
        vectors = matrix.finish()
    progress(Progress(1.0, f"Read {len(words):,} vectors from {path.name}"))
    return EmbeddingSpace(tuple(words), vectors, {}, "words",
                          {"source": str(path), "source_format": fmt})


def _chain_one(first: tuple[int, str], rest: Iterator[tuple[int, str]]
               ) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _parse_count_dim(
    path: Path, text: str, hint: str = "If the file has no header line, import it as 'glove'."
) -> tuple[int, int]:
    parts = text.split()
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise _err(
            path, 1, f"expected a header 'count dim' (two whole numbers), found {text[:60]!r}.",
            hint,
        )
    count, dim = int(parts[0]), int(parts[1])
    if dim < 1:
        raise _err(path, 1, "the header says the vectors have dimension 0.", _REEXPORT_HINT)
    return count, dim


def _glove_dim(path: Path, first: tuple[int, str]) -> int:
    fields = [x for x in first[1].replace("\t", " ").split(" ") if x]
    if len(fields) < 2:
        raise _err(path, first[0], f"expected a word followed by numbers, found {first[1][:60]!r}.",
                   "Each line must hold a word and its vector, separated by spaces.")
    return len(fields) - 1


# ---- word2vec text / GloVe / fastText -----------------------------------------------------
def import_word2vec_text(
    path: PathLike,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read word2vec text: a ``count dim`` header, then ``word v1 ... vD`` per line."""
    return _read_word_text(path, "word2vec-text", True, limit, progress, cancel)


def import_fasttext_vec(
    path: PathLike,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read a fastText ``.vec`` file (word2vec text; fastText ends lines with a space)."""
    return _read_word_text(path, "fasttext-vec", True, limit, progress, cancel)


def import_glove(
    path: PathLike,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read GloVe text: ``word v1 ... vD`` per line, no header."""
    return _read_word_text(path, "glove", False, limit, progress, cancel)


def _float_rows(vectors: np.ndarray, sep: str) -> Iterator[list[str]]:
    """Blocks of formatted rows, so a large export never holds all its text at once."""
    fmt = sep.join([_FLOAT32_DIGITS] * vectors.shape[1])
    for start in range(0, vectors.shape[0], _CHUNK_ROWS):
        yield [fmt % tuple(row) for row in vectors[start:start + _CHUNK_ROWS].tolist()]


_WORD_TEXT_HINT = ("Export as 'tf-projector' or 'native', which allow spaces in keys, "
                   "or rename those keys.")


def _write_word_text(space: EmbeddingSpace, path: PathLike, header: bool, end: str) -> Path:
    path = Path(path)
    _check_export_keys(space, " \t\n\r", "word2vec and GloVe text", _WORD_TEXT_HINT)
    with _writing(path), atomic_writer(path, "w") as f:
        if header:
            f.write(f"{len(space)} {space.dim}\n")
        start = 0
        for rows in _float_rows(space.vectors, " "):
            keys = space.keys[start:start + len(rows)]
            f.write("".join(f"{k} {r}{end}" for k, r in zip(keys, rows, strict=True)))
            start += len(rows)
    return path


def _check_export_keys(space: EmbeddingSpace, forbidden: str, where: str, hint: str) -> None:
    if "" in space.key_to_index:
        raise EngineError(f"The space has an empty key, which {where} cannot hold.", hint)
    _check_keys(space.keys, forbidden, where, hint)


def export_word2vec_text(space: EmbeddingSpace, path: PathLike) -> Path:
    """Write word2vec text (``count dim`` header, one ``word v1 ... vD`` line per key)."""
    return _write_word_text(space, path, header=True, end="\n")


def export_fasttext_vec(space: EmbeddingSpace, path: PathLike) -> Path:
    """Write a fastText-style ``.vec`` file: word2vec text with a space ending each line."""
    return _write_word_text(space, path, header=True, end=" \n")


def export_glove(space: EmbeddingSpace, path: PathLike) -> Path:
    """Write GloVe text: one ``word v1 ... vD`` line per key, no header."""
    return _write_word_text(space, path, header=False, end="\n")


# ---- word2vec binary -------------------------------------------------------------------
def import_word2vec_binary(
    path: PathLike,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read word2vec binary: ``count dim\\n``, then per word ``word<space>`` + D float32.

    A newline after each vector (the C tool and gensim write one) is optional. Line
    numbers in errors count the header as line 1 and word ``i`` as line ``i + 1``.
    """
    path = Path(path)
    _check_limit(limit)
    if compressed.compression_of(path):
        # No mmap through a decompressor: the whole file is decompressed into memory.
        data = _read_bytes(path)
        if not data:
            raise _empty_file(path)
        words, vectors = _parse_word2vec_binary(path, data, len(data), limit, progress,
                                                cancel)
    else:
        with _open_read(path) as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise _empty_file(path)
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
                words, vectors = _parse_word2vec_binary(path, data, size, limit, progress,
                                                        cancel)
    progress(Progress(1.0, f"Read {len(words):,} vectors from {path.name}"))
    return EmbeddingSpace(tuple(words), vectors, {}, "words",
                          {"source": str(path), "source_format": "word2vec-binary"})


def _parse_word2vec_binary(
    path: Path,
    data: mmap.mmap | bytes,
    size: int,
    limit: int | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[list[str], np.ndarray]:
    end_of_header = data.find(b"\n", 0, 256)
    if end_of_header < 0:
        raise _err(path, 1, "no 'count dim' header line.", "Is this a word2vec binary file?")
    try:
        header = data[:end_of_header].decode("ascii")
    except UnicodeDecodeError:
        raise _err(path, 1, "the header is not 'count dim'.",
                   "Is this a word2vec binary file?") from None
    count, dim = _parse_count_dim(path, header, "Is this a word2vec binary file?")
    n = count if limit is None else min(count, limit)
    pos = end_of_header + 1
    record = 4 * dim
    # Each record takes at least a 1-byte word, a space and its floats; allocate no more
    # than the file can hold, so a header with a huge count cannot exhaust memory.
    vectors = np.empty((min(n, (size - pos) // (record + 2) + 1), dim), dtype=np.float32)
    words: list[str] = []
    seen: dict[str, int] = {}
    for i in range(n):
        line = i + 2
        if i % _CHUNK_ROWS == 0 and i:
            cancel.raise_if_cancelled()
            progress(Progress(pos / size, f"Reading {path.name}", {"words": i}))
        while pos < size and data[pos] in (0x0A, 0x0D):
            pos += 1
        if pos >= size:
            raise _err(path, line, f"the header announces {count} words, but the file ends "
                       f"after {i}.", _REEXPORT_HINT)
        space_at = data.find(b" ", pos, min(size, pos + _MAX_WORD_BYTES))
        if space_at < 0:
            raise _err(
                path, line, f"word {i + 1} (byte offset {pos}) has no space after it"
                + (" before the end of the file." if size - pos < _MAX_WORD_BYTES else "."),
                _REEXPORT_HINT + " If the file is intact, the header's dim may be wrong.",
            )
        raw = data[pos:space_at]
        if not raw or b"\n" in raw:
            raise _err(
                path, line, f"word {i + 1} (byte offset {pos}) is empty or holds a line break.",
                "The header's dim may be wrong, or the file is not word2vec binary.",
            )
        try:
            word = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _err(
                path, line, f"word {i + 1} is not valid UTF-8 (byte offset {pos + e.start} in "
                "the file).", "Words must be UTF-8; export the file again as UTF-8.",
            ) from None
        start = space_at + 1
        if start + record > size:
            raise _err(
                path, line, f"the file ends inside the vector of word {i + 1} ({word!r}): "
                f"{start + record - size} bytes are missing (the header announces {count} "
                f"words of {dim} numbers).", _REEXPORT_HINT,
            )
        if word in seen:
            raise _err(path, line, f"the word {word!r} already appeared on line {seen[word]}.",
                       "Each word may appear only once; export the file again.")
        seen[word] = line
        words.append(word)
        vectors[i] = np.frombuffer(data[start:start + record], dtype="<f4")
        pos = start + record
    if n == count:
        tail = data[pos:pos + 64].strip(b" \t\r\n\0")
        if tail:
            raise _err(
                path, count + 2, f"the header on line 1 announces {count} words of {dim} "
                f"numbers, but more data follows at byte offset {pos}.",
                "The header's count or dim is wrong; export the file again.",
            )
    if n == 0:
        raise _err(path, 1, "the file holds a header but no vectors.",
                   "Pick a file that holds vectors.")
    vectors = vectors[:n]
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        r = int(np.argmin(finite))
        raise _err(path, r + 2, f"the vector of {words[r]!r} holds NaN or infinity.",
                   "Every value must be finite; retrain, or remove that word.")
    return words, vectors


def export_word2vec_binary(space: EmbeddingSpace, path: PathLike) -> Path:
    """Write word2vec binary as the C tool and gensim do (a newline after each vector)."""
    path = Path(path)
    _check_export_keys(space, " \t\n\r", "word2vec binary", _WORD_TEXT_HINT)
    vectors = np.ascontiguousarray(space.vectors, dtype="<f4")
    with _writing(path), atomic_writer(path, "wb") as f:
        f.write(f"{len(space)} {space.dim}\n".encode("ascii"))
        for start in range(0, len(space), _CHUNK_ROWS):
            parts: list[bytes] = []
            stop = start + _CHUNK_ROWS
            for key, row in zip(space.keys[start:stop], vectors[start:stop], strict=True):
                parts += (key.encode("utf-8"), b" ", row.tobytes(), b"\n")
            f.write(b"".join(parts))
    return path


# ---- TensorFlow Embedding Projector -----------------------------------------------------
def _metadata_name(vectors_path: Path) -> Path:
    stem = vectors_path.stem
    if "vectors" in stem:
        return vectors_path.with_name(stem.replace("vectors", "metadata") + vectors_path.suffix)
    return vectors_path.with_name(f"{stem}_metadata{vectors_path.suffix}")


def _projector_import_paths(path: Path) -> tuple[Path, Path]:
    if path.is_dir():
        path = path / "vectors.tsv"
    elif "metadata" in path.stem:
        # Picking either file of the pair should work, so look for the vectors beside it.
        vectors = path.with_name(path.stem.replace("metadata", "vectors") + path.suffix)
        if vectors.is_file():
            return vectors, path
    candidates = list(dict.fromkeys([
        _metadata_name(path),
        path.with_name(f"{path.stem}_metadata.tsv"),
        path.with_name("metadata.tsv"),
    ]))
    for candidate in candidates:
        if candidate != path and candidate.is_file():
            return path, candidate
    if not path.is_file():
        _open_read(path).close()  # raises the not-found error
    raise _err(
        path, None, "no metadata file beside it (looked for "
        + ", ".join(c.name for c in candidates) + ").",
        "Put the words, one per line in the order of the vectors, in metadata.tsv next to it.",
    )


def import_tf_projector(
    path: PathLike,
    *,
    metadata: PathLike | None = None,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read an Embedding Projector pair: ``vectors.tsv`` (tab-separated numbers) and its
    ``metadata.tsv`` (one word per line; with several columns, a header row first).

    ``path`` is the vectors file or a folder holding ``vectors.tsv``; the metadata is
    ``metadata``, else found beside it. Metadata columns of whole numbers come back as
    ints, of other numbers as floats, the rest as text.
    """
    if metadata is None:
        vectors_path, metadata_path = _projector_import_paths(Path(path))
    else:
        vectors_path, metadata_path = Path(path), Path(metadata)
        if vectors_path.is_dir():
            vectors_path = vectors_path / "vectors.tsv"
    _check_limit(limit)
    matrix: _MatrixBuilder | None = None
    n = 0
    truncated = False
    with _open_read(vectors_path) as f, _overflow_checked_later(), \
            compressed.reading(vectors_path):
        for line, text in _text_lines(vectors_path, f, progress, cancel):
            if limit is not None and n >= limit:
                truncated = True
                break
            fields = text.rstrip(" \t").split("\t")
            if matrix is None:
                dim, first_line = len(fields), line
                matrix = _MatrixBuilder(vectors_path, dim, first_column=1)
            if len(fields) != dim:
                raise _err(
                    vectors_path, line, f"expected {dim} tab-separated numbers (as on line "
                    f"{first_line}), found {len(fields)}.",
                    "Every line of vectors.tsv must hold the same number of values.",
                )
            matrix.add(line, fields)
            n += 1
    if matrix is None:
        raise _empty_file(vectors_path)
    vectors = matrix.finish()
    keys, metadata = _read_projector_metadata(metadata_path, vectors_path, n, truncated)
    progress(Progress(1.0, f"Read {n:,} vectors from {vectors_path.name}"))
    return EmbeddingSpace(tuple(keys), vectors, metadata, "words",
                          {"source": str(vectors_path), "source_format": "tf-projector"})


def _read_projector_metadata(
    path: Path, vectors_path: Path, n: int, truncated: bool
) -> tuple[list[str], dict[str, list[Any]]]:
    data = _read_bytes(path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _utf8_error(path, data.count(b"\n", 0, e.start) + 1, e.start) from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    lines = [x.removesuffix("\r") for x in lines]
    if not lines:
        raise _empty_file(path)
    # The projector's own rule: a header row exactly when there is more than one column.
    header = lines[0].split("\t") if "\t" in lines[0] else None
    first = 2 if header else 1
    rows = lines[first - 1:]
    hint = (f"{path.name} needs one line per vector of {vectors_path.name}, in the same "
            "order (plus a header row when it has several columns).")
    if len(rows) < n:
        raise _err(path, first + len(rows), f"only {len(rows)} rows of words, but "
                   f"{vectors_path.name} holds {n} vectors.", hint)
    if len(rows) > n and not truncated:
        raise _err(path, first + n, f"more rows than the {n} vectors in {vectors_path.name}.",
                   hint)
    rows = rows[:n]
    if header is None:
        keys = rows
        cells_by_column: list[list[str]] = []
    else:
        names = header[1:]
        dup = next((c for c in names if names.count(c) > 1), None)
        if dup is not None:
            raise _err(path, 1, f"the column {dup!r} appears twice in the header.",
                       "Give every column its own name.")
        keys = []
        cells_by_column = [[] for _ in names]
        for i, row in enumerate(rows):
            cells = row.split("\t")
            if len(cells) != len(header):
                raise _err(path, first + i, f"expected {len(header)} tab-separated columns "
                           f"(as in the header), found {len(cells)}.", hint)
            keys.append(cells[0])
            for column, cell in zip(cells_by_column, cells[1:], strict=True):
                column.append(cell)
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            raise _err(path, first + i, f"the word {key!r} already appeared on line "
                       f"{seen[key]}.", "Each word may appear only once; rename or delete one.")
        seen[key] = first + i
    metadata = {} if header is None else {
        name: _typed_column(cells) for name, cells in zip(header[1:], cells_by_column,
                                                          strict=True)
    }
    return keys, metadata


def _typed_column(cells: list[str]) -> list[Any]:
    if cells and all(_INT_RE.fullmatch(c) for c in cells):
        return [int(c) for c in cells]
    if cells and all(_FLOAT_RE.fullmatch(c) for c in cells):
        return [float(c) for c in cells]
    return cells


def _tsv_cell(value: Any) -> str:
    # The projector has no escaping; a tab or line break would shift every later cell.
    text = repr(float(value)) if isinstance(value, float | np.floating) else str(value)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def export_tf_projector(space: EmbeddingSpace, path: PathLike) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for projector.tensorflow.org.

    ``path`` is a folder (created if needed) or the vectors file's name ending in
    ``.tsv``; the metadata goes beside it (``vectors.tsv`` -> ``metadata.tsv``,
    ``x.tsv`` -> ``x_metadata.tsv``). The metadata holds the word and then the space's
    metadata columns, with a header row when there is more than one column. Tabs and
    line breaks inside metadata values become spaces. Returns (vectors, metadata) paths.
    """
    path = Path(path)
    _check_export_keys(space, "\t\n\r", "the Embedding Projector's TSV",
                       "Rename keys that hold tabs or line breaks, or leave them empty.")
    if path.suffix.lower() == ".tsv":
        vectors_path, metadata_path = path, _metadata_name(path)
    else:
        vectors_path, metadata_path = path / "vectors.tsv", path / "metadata.tsv"
    names = list(space.metadata)
    with _writing(vectors_path.parent):
        vectors_path.parent.mkdir(parents=True, exist_ok=True)
    with _writing(metadata_path), atomic_writer(metadata_path, "w") as f:
        if names:
            f.write("\t".join(["word", *(_tsv_cell(n) for n in names)]) + "\n")
            columns = [space.metadata[n] for n in names]
            for i, key in enumerate(space.keys):
                f.write("\t".join([key, *(_tsv_cell(c[i]) for c in columns)]) + "\n")
        else:
            f.write("".join(f"{k}\n" for k in space.keys))
    with _writing(vectors_path), atomic_writer(vectors_path, "w") as f:
        for rows in _float_rows(space.vectors, "\t"):
            f.write("\n".join(rows) + "\n")
    return vectors_path, metadata_path


# ---- dispatch --------------------------------------------------------------------------
def _looks_like_count_dim(line: bytes) -> bool:
    parts = line.removeprefix(codecs.BOM_UTF8).split()
    return len(parts) == 2 and all(p.isdigit() for p in parts)


def detect_format(path: PathLike) -> Format:
    """Guess a vectors file's format from its name and first 4 KiB.

    A folder with ``manifest.json`` is native and one with ``vectors.tsv`` a projector
    export; ``.bin``, or a ``count dim`` header followed by bytes that are not text, is
    word2vec binary; another ``count dim`` header is word2vec text (fastText for
    ``.vec``); ``.tsv`` is the projector's; anything else is read as GloVe.
    """
    path = Path(path)
    if path.is_dir():
        if (path / MANIFEST_FILE).is_file():
            return "native"
        if (path / "vectors.tsv").is_file():
            return "tf-projector"
        raise EngineError(
            f"{path} is a folder holding neither {MANIFEST_FILE} nor vectors.tsv.",
            "Pick a saved space folder, or the vectors file itself.",
        )
    suffix = compressed.inner_suffix(path)  # vectors.bin.gz holds word2vec binary
    if suffix == ".bin":
        return "word2vec-binary"
    if suffix == ".tsv":
        return "tf-projector"
    with _open_read(path) as f, compressed.reading(path):
        head = f.read(4096)
    first, _, rest = head.partition(b"\n")
    if _looks_like_count_dim(first):
        try:
            # An incremental decoder tolerates a character cut in half at the 4 KiB mark.
            codecs.getincrementaldecoder("utf-8")().decode(rest, final=False)
            is_text = b"\0" not in rest
        except UnicodeDecodeError:
            is_text = False
        if not is_text:
            return "word2vec-binary"
        return "fasttext-vec" if suffix == ".vec" else "word2vec-text"
    return "glove"


def _check_format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise EngineError(f"Unknown vectors format {fmt!r}.", "Use one of: " + ", ".join(FORMATS))
    return fmt  # type: ignore[return-value]


_IMPORTERS: dict[str, Callable[..., EmbeddingSpace]] = {
    "word2vec-text": import_word2vec_text,
    "word2vec-binary": import_word2vec_binary,
    "glove": import_glove,
    "fasttext-vec": import_fasttext_vec,
    "tf-projector": import_tf_projector,
}


def import_vectors(
    path: PathLike,
    format: Format | None = None,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read vectors in any supported format (``format=None`` guesses, see detect_format).

    ``limit`` keeps the first ``limit`` vectors (files are usually sorted by frequency).
    Either a complete space comes back or an EngineError names the file and line.
    """
    fmt = detect_format(path) if format is None else _check_format(format)
    if fmt == "native":
        _check_limit(limit)
        space = load_space(path)
        return space if limit is None else space.restricted(limit)
    return _IMPORTERS[fmt](path, limit=limit, progress=progress, cancel=cancel)


def export_vectors(space: EmbeddingSpace, path: PathLike, format: Format) -> Path:
    """Write ``space`` in ``format``; returns the path written (the vectors file for
    ``tf-projector``, whose metadata goes beside it)."""
    fmt = _check_format(format)
    if fmt == "native":
        return save_space(space, path)
    if fmt == "tf-projector":
        return export_tf_projector(space, path)[0]
    writers: dict[str, Callable[[EmbeddingSpace, PathLike], Path]] = {
        "word2vec-text": export_word2vec_text,
        "word2vec-binary": export_word2vec_binary,
        "glove": export_glove,
        "fasttext-vec": export_fasttext_vec,
    }
    return writers[fmt](space, path)


# ---- CSV -------------------------------------------------------------------------------
def export_neighbours_csv(rows: Iterable[tuple[str, int, str, float]], path: PathLike) -> Path:
    """Write ``query,rank,word,score`` rows (scores rounded to 6 decimals)."""
    path = Path(path)
    with _writing(path), atomic_writer(path, "w") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["query", "rank", "word", "score"])
        for query, rank, word, score in rows:
            writer.writerow([query, int(rank), word, repr(round(float(score), 6))])
    return path


def export_coordinates_csv(
    keys: Sequence[str],
    coords: np.ndarray,
    path: PathLike,
    extra_columns: dict[str, list[Any]] | None = None,
) -> Path:
    """Write ``word,x,y[,z]`` and then any ``extra_columns``, one row per key."""
    path = Path(path)
    coords = np.asarray(coords)
    extra = dict(extra_columns or {})
    if coords.ndim != 2 or coords.shape[1] not in (2, 3) or coords.shape[0] != len(keys):
        raise EngineError(
            f"Coordinates of shape {coords.shape} do not fit {len(keys)} keys.",
            "Pass one row of 2 or 3 numbers per key.",
        )
    if not np.isfinite(coords).all():
        bad = int(np.argwhere(~np.isfinite(coords))[0][0])
        raise EngineError(f"The coordinates of {keys[bad]!r} hold NaN or infinity.",
                          "Recompute the projection.")
    axes = ["x", "y", "z"][: coords.shape[1]]
    for name, values in extra.items():
        if name.lower() in {"word", *axes}:
            raise EngineError(f"Extra column {name!r} clashes with a coordinate column.",
                              "Rename the extra column.")
        if len(values) != len(keys):
            raise EngineError(f"Extra column {name!r} has {len(values)} values for "
                              f"{len(keys)} keys.", "Pass one value per key.")
    # float64 keeps repr's exact round trip; float32 needs 9 digits to come back unchanged.
    fmt: Callable[[float], str] = (
        repr if coords.dtype == np.float64 else (lambda v: _FLOAT32_DIGITS % v)
    )
    columns = list(extra.values())
    with _writing(path), atomic_writer(path, "w") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["word", *axes, *extra])
        for i, (key, row) in enumerate(zip(keys, coords.tolist(), strict=True)):
            writer.writerow([key, *map(fmt, row), *(c[i] for c in columns)])
    return path


def load_coordinates_csv(
    path: PathLike, space: EmbeddingSpace | None = None
) -> tuple[tuple[str, ...], np.ndarray]:
    """Read a ``word,x,y[,z]`` CSV (extra columns are ignored) as keys and an N x 2 or
    N x 3 float32 array. With ``space``, every word must be one of its keys."""
    path = Path(path)
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _utf8_error(path, data.count(b"\n", 0, e.start) + 1, e.start) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise _empty_file(path)
        names = [h.strip().lower() for h in header]
        if len(names) < 3 or names[0] not in ("word", "key") or names[1:3] != ["x", "y"]:
            raise _err(path, 1, f"expected a header row starting with word,x,y (and "
                       f"optionally z), found {','.join(header)[:80]!r}.",
                       "Export the coordinates again, or add the header row.")
        axes = 3 if len(names) > 3 and names[3] == "z" else 2
        keys: list[str] = []
        rows: list[list[float]] = []
        seen: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not cells:
                continue
            if len(cells) != len(header):
                raise _err(path, line, f"expected {len(header)} columns (as in the header), "
                           f"found {len(cells)}.", "Each row needs a value for every column.")
            word = cells[0]
            if not word:
                raise _err(path, line, "the word is empty.", "Every row must name a word.")
            if word in seen:
                raise _err(path, line, f"the word {word!r} already appeared on line "
                           f"{seen[word]}.", "Each word may appear only once.")
            if space is not None and word not in space:
                close = space.closest_spellings(word)
                hint = "The coordinates may belong to another space; load that one first."
                if close:
                    hint = "Did you mean: " + ", ".join(close) + "? " + hint
                raise _err(path, line, f"{word!r} is not a key of the current space.", hint)
            values = []
            for j in range(1, 1 + axes):
                try:
                    value = float(cells[j])
                except ValueError:
                    raise _err(path, line, f"{names[j]} = {cells[j][:40]!r} is not a number.",
                               "Coordinates must be plain decimal numbers.") from None
                if not math.isfinite(value):
                    raise _err(path, line, f"{names[j]} = {cells[j]} is not a finite number.",
                               "Recompute the projection.")
                values.append(value)
            seen[word] = line
            keys.append(word)
            rows.append(values)
    except csv.Error as e:
        raise _err(path, reader.line_num, f"not valid CSV ({e}).",
                   "Export the coordinates again.") from None
    if not keys:
        raise _err(path, 2, "no coordinates after the header row.",
                   "Export the coordinates again.")
    return tuple(keys), np.asarray(rows, dtype=np.float32)
