"""The one writer: append a collections directive to the collections file.

Nothing else in the project writes to a ledger. A write appends one
well-formed directive and:

- checks the directive before touching anything (it must parse back to the
  same directive, alone, with no error);
- takes an exclusive lock (a hidden `.NAME.lock` file beside it), so
  two writers never interleave;
- reads the file under the lock, writes the old bytes unchanged plus the new
  directive to a temporary file in the same folder, fsyncs it, and renames it
  over the original (then fsyncs the folder), so a crash leaves the old file
  or the new one, never half of one;
- swaps the new file in atomically (Linux `renameat2` RENAME_EXCHANGE) and
  checks that what it replaced is what it read: when an editor that does
  not take the lock saved meanwhile, the editor's file is put back and the
  append is tried again on it, so an editor's change is never lost;
- refuses, changing nothing, when the result would not parse as cleanly as
  the original, or when the file is read-only, not a regular file (a FIFO),
  or owned by another user whose ownership the rename would take;
- keeps the file's mode, owner and line endings (a CRLF file stays CRLF);
- removes the temporary files a killed writer left;
- never touches any other file.

A collections file the main ledger includes but that does not exist yet (first
use) is created empty, under the lock, before the first append; one it does
not include is refused with the one line to add (`check_included`).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import errno
import fnmatch
import glob
import os
import pathlib
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import filelock
from beancount.core.amount import Amount
from beancount.parser import parser

LOCK_TIMEOUT = 30  # seconds to wait for another writer


class WriteError(Exception):
    """A write that was refused; the file is unchanged."""


def quote(text: str) -> str:
    """A Beancount string literal; newlines become spaces, other control
    characters (a NUL from a web form) are dropped."""
    text = " ".join(str(text).splitlines())
    text = "".join(c for c in text if unicodedata.category(c) != "Cc")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Account(str):
    """An account name, written bare rather than quoted."""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    if isinstance(value, Amount):
        return f"{value.number} {value.currency}"
    if isinstance(value, Account):
        return str(value)
    return quote(value)


def custom(day: datetime.date, type_: str, values: Sequence[Any]) -> str:
    """The text of a `custom` directive."""
    return f"{day} custom {quote(type_)} " + " ".join(_value(v) for v in values) + "\n"


def note(
    day: datetime.date, account: str, text: str, meta: Mapping[str, str] | None = None
) -> str:
    """The text of a `note` directive with optional string metadata."""
    lines = [f"{day} note {account} {quote(text)}"]
    lines += [
        f"  {key}: {quote(value)}" for key, value in (meta or {}).items() if value
    ]
    return "\n".join(lines) + "\n"


def check_directive(text: str) -> None:
    """Refuse a directive that does not parse back cleanly as exactly one,
    alone: every line after the first is indented (its metadata)."""
    entries, errors, _ = parser.parse_string(text)
    lines = text.rstrip("\n").split("\n")
    if errors or len(entries) != 1 or any(not line[:1].isspace() for line in lines[1:]):
        detail = "; ".join(e.message for e in errors) or f"{len(entries)} entries"
        raise WriteError(f"the directive would not parse ({detail}): {text.strip()}")


def collections_path(ledger: str | os.PathLike[str], setting: str) -> pathlib.Path:
    """The collections file: `setting` relative to the main ledger's folder."""
    path = pathlib.Path(setting).expanduser()
    if not path.is_absolute():
        path = pathlib.Path(ledger).resolve().parent / path
    return path


def _include_patterns(files: Sequence[str]) -> list[tuple[pathlib.Path, str]]:
    """(folder, pattern) of every `include` line in `files`, the way the loader
    reads them: the pattern (a glob) is relative to the including file's folder.

    Only the `include` lines are parsed (by Beancount's parser, so the string is
    unescaped as the loader does), not the whole of each file.
    """
    patterns = []
    for name in files:
        try:
            text = pathlib.Path(name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines = _INCLUDE_LINE.findall(text)
        if lines:
            _, _, options = parser.parse_string("\n".join(lines) + "\n")
            # The folder of the path the loader read (a symlink's own).
            folder = pathlib.Path(name).parent.resolve()
            patterns += [(folder, pattern) for pattern in options["include"]]
    return patterns


_INCLUDE_LINE = re.compile(r"^include[ \t].*$", re.MULTILINE)


def _glob_match(pattern: Sequence[str], parts: Sequence[str]) -> bool:
    """Whether `glob.glob(pattern, recursive=True)` would list the path `parts`
    if it existed (both split into components)."""
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(
            _glob_match(rest, parts[i:])
            for i in range(len(parts) + 1)
            if not any(p.startswith(".") for p in parts[:i])
        )
    if not parts or not fnmatch.fnmatchcase(parts[0], head):
        return False
    if parts[0].startswith(".") and glob.has_magic(head) and not head.startswith("."):
        return False  # glob does not list hidden names for a wildcard
    return _glob_match(rest, parts[1:])


def _includes(folder: pathlib.Path, pattern: str, path: pathlib.Path) -> bool:
    """Whether the include line `pattern`, in a file in `folder`, names `path`
    (which may not exist yet)."""
    full = pathlib.Path(os.path.normpath(folder / pattern))
    if not glob.has_magic(pattern):
        return full.resolve() == path
    return _glob_match(full.parts, path.parts)


def _relative(path: pathlib.Path, folder: pathlib.Path) -> str:
    try:
        return pathlib.Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:  # another drive
        return str(path)


def check_included(
    ledger: str | os.PathLike[str], path: pathlib.Path, included: Sequence[str]
) -> bool:
    """Refuse to write to a file the ledger does not include: what is written
    there would never show up. Say the one thing to do.

    Args:
        ledger: The main ledger.
        path: The collections file (`collections_path`).
        included: The files the loader read (`options["include"]`).

    Returns:
        True when the ledger includes `path` but it does not exist yet (the
        loader then reports that the include matches no file): `create` it,
        and the ledger loads cleanly again.

    Raises:
        WriteError: The ledger does not include `path`.
    """
    path = path.resolve()
    loaded = {pathlib.Path(p).resolve() for p in included}
    if path in loaded:
        return False
    patterns = _include_patterns(sorted(included))
    if any(_includes(folder, pattern, path) for folder, pattern in patterns):
        return not path.exists()
    main = pathlib.Path(ledger).resolve()
    relative = _relative(path, main.parent)
    # A file of that name the ledger does include: the setting is what is wrong.
    missing = {
        (folder / pattern).resolve()
        for folder, pattern in patterns
        if not glob.has_magic(pattern)
    } - loaded
    namesakes = sorted(p for p in loaded | missing if p.name == path.name)
    if namesakes:
        found = min(namesakes, key=lambda p: (p not in loaded, len(p.parts), p))
        where = _relative(found, main.parent)
        state = "" if found in loaded else " (not created yet)"
        raise WriteError(
            f"{relative} is not included by {ledger}, but an included file named "
            f"{path.name} exists at {where}{state}; to write there, set this key "
            f'in the configuration of the plugin "beancount_ar" line of {ledger} '
            f"and run again:\n'collections_file': '{where}'"
        )
    if path.exists():
        raise WriteError(
            f"{ledger} does not include the collections file {relative}; add this "
            f"line to {ledger} and run again (beancount-ar never edits the main "
            f'ledger):\ninclude "{relative}"'
        )
    raise WriteError(
        f"{relative} does not exist yet and {ledger} does not include it; add this "
        f"line to {ledger} and run again; the file is created then (beancount-ar "
        f'never edits the main ledger):\ninclude "{relative}"'
    )


def _lock(path: pathlib.Path) -> filelock.FileLock:
    """The writers' lock of `path`: a hidden `.NAME.lock` beside it."""
    return filelock.FileLock(path.with_name(f".{path.name}.lock"), timeout=LOCK_TIMEOUT)


def create(path: pathlib.Path) -> None:
    """Create the collections file, empty, when it does not exist (under the
    writers' lock; a file that exists is left alone). Its folder must exist.

    Raises:
        WriteError: It could not be created; nothing changed.
    """
    path = path.resolve()
    if not path.parent.is_dir():
        raise WriteError(
            f"cannot create {path}: the folder {path.parent} does not exist"
        )
    if not os.access(path.parent, os.W_OK):
        raise WriteError(f"cannot create {path}: its folder is read-only")
    try:
        with _lock(path):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                return
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    except filelock.Timeout:
        raise WriteError(
            f"{path} is locked by another writer (waited {LOCK_TIMEOUT} s)"
        ) from None
    except OSError as exc:
        raise WriteError(f"could not create {path}: {exc}") from None
    _fsync_dir(path.parent)


def _parsed(data: bytes) -> tuple[int, int]:
    """(entries, errors) of a file's bytes, as the parser sees them."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return 0, 1 << 30
    entries, errors, _ = parser.parse_string(text)
    return len(entries), len(errors)


def check_writable(path: pathlib.Path) -> None:
    """Refuse, before anything is done, a collections file that could not be
    appended to: missing, not a regular file, read-only, or in a folder where
    no temporary file can be made.

    Raises:
        WriteError: Why it could not be written.
    """
    path = path.resolve()
    try:
        info = path.stat()
    except OSError:
        raise WriteError(
            f"{path} is missing: create it (it may be empty) first"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise WriteError(f"{path} is not a regular file")
    if not os.access(path, os.W_OK) or not info.st_mode & 0o222:
        raise WriteError(f"{path} is read-only")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise WriteError(f"the folder of {path} is read-only")


def append(path: pathlib.Path, directive: str) -> None:
    """Append one directive to `path`, safely (see the module docstring).

    Args:
        path: The collections file; it must exist (see `create`).
        directive: The directive's text, ending with a newline.

    Raises:
        WriteError: The write was refused; the file is unchanged.
    """
    check_directive(directive)
    path = path.resolve()  # through a symlink: replace the file, not the link
    try:
        info = path.stat()
    except FileNotFoundError:
        raise WriteError(
            f"{path} is missing: create it (it may be empty) first"
        ) from None
    except OSError as exc:
        raise WriteError(f"cannot read {path}: {exc}; nothing written") from None
    if not stat.S_ISREG(info.st_mode):
        # Reading a FIFO would wait forever; a device is no ledger.
        raise WriteError(f"{path} is not a regular file: nothing written")
    if not os.access(path, os.W_OK) or not info.st_mode & 0o222:
        raise WriteError(f"{path} is read-only: nothing written")
    try:
        with _lock(path):
            _remove_stale_temps(path)
            _replace(path, directive)
    except filelock.Timeout:
        raise WriteError(
            f"{path} is locked by another writer (waited {LOCK_TIMEOUT} s)"
        ) from None
    except OSError as exc:  # a full disk, a vanished folder...
        raise WriteError(f"could not write {path}: {exc}; nothing written") from None


def _remove_stale_temps(path: pathlib.Path) -> None:
    """Temporary files a killed writer left (the lock is ours: no live writer
    is using one)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


#: Called just before the new file is swapped in (tests inject an editor's
#: save here, to show that it is never lost).
_before_swap: Callable[[pathlib.Path], None] | None = None
#: Attempts when an editor saves the file while a directive is appended.
ATTEMPTS = 3


def _replace(path: pathlib.Path, directive: str) -> None:
    for _ in range(ATTEMPTS):
        if _try_replace(path, directive):
            _fsync_dir(path.parent)
            return
    raise WriteError(
        f"{path} kept changing while writing (an editor saving it?): "
        "nothing written, try again"
    )


def _try_replace(path: pathlib.Path, directive: str) -> bool:
    """One attempt: True when the directive was appended, False when the
    file changed meanwhile (it is left as the other writer made it)."""
    old = path.read_bytes()
    info = path.stat()

    # Old bytes exactly, then a blank line, then the directive, with the
    # file's own line endings.
    newline = b"\r\n" if b"\r\n" in old[:4096] else b"\n"
    text = directive.encode("utf-8").replace(b"\n", newline)
    separator = b"" if not old else newline if old.endswith(b"\n") else newline * 2
    new = old + separator + text
    # Exactly one more entry and no new error: the directive really landed
    # (not, say, swallowed by a string the file left unterminated).
    (old_entries, old_errors), (new_entries, new_errors) = _parsed(old), _parsed(new)
    if new_errors > old_errors or new_entries != old_entries + 1:
        raise WriteError(f"{path} would not parse after the write: nothing written")

    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(new)
            out.flush()
            os.fsync(out.fileno())
        _keep_owner_and_mode(temp, path, info)
        if _before_swap is not None:
            _before_swap(path)
        swapped = _exchange(temp, path)
        if swapped:
            # `temp` now holds the file the swap replaced: unless it is what
            # was read, an editor saved meanwhile. Put its file back.
            if pathlib.Path(temp).read_bytes() != old:
                _exchange(temp, path)
                return False
        else:
            # No atomic exchange here: check, then rename (a save landing
            # between the two would be lost; the window is a few microseconds).
            if path.read_bytes() != old:
                return False
            os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    return True


def _keep_owner_and_mode(temp: str, path: pathlib.Path, info: os.stat_result) -> None:
    os.chmod(temp, info.st_mode & 0o7777)
    if (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid()):
        return
    try:
        os.chown(temp, info.st_uid, info.st_gid)
    except PermissionError:
        raise WriteError(
            f"{path} belongs to another user: writing it would change its owner; "
            "nothing written"
        ) from None


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
try:
    _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
except (AttributeError, OSError):  # not Linux, or an old C library
    _renameat2 = None


def _exchange(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Swap two files atomically (Linux `renameat2` with RENAME_EXCHANGE).

    Returns:
        False when the system or file system cannot; nothing was done then.
    """
    if _renameat2 is None:
        return False
    done = _renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE
    )
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), os.fspath(b))


def _fsync_dir(folder: pathlib.Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
