"""Atomic writes of files and folders.

Every writer goes through a temporary file or folder that is renamed into place, so a
crash or a full disk never leaves a half-written file under the real name.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import hashlib
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from engine.errors import EngineError
from engine.storage._common import PathLike

_WRITE_HINT = (
    "Check that the folder exists, that you may write to it and that the disk is not full."
)


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into an EngineError a person can act on."""
    try:
        yield
    except OSError as e:
        raise EngineError(f"Could not write {path}: {e.strerror or e}.", _WRITE_HINT) from e


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


# ---- atomic folders --------------------------------------------------------------------
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
