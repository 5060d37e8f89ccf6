"""Files mlplab writes and reads: atomic writes that leave nothing half done, clear path errors.

Every file the package writes (models, reports, figures, animations) goes
through :func:`atomic_write`:

1. the new content goes to a temporary file in the target's folder, named
   ``.NAME.RANDOM.tmp`` (``.NAME.RANDOM.tmp.SUFFIX`` when a writer needs a real
   file name, such as Pillow or ffmpeg), created with mode ``0o666`` so that
   the user's umask decides the final mode, as for any file they create;
2. it is flushed and fsynced, renamed over the target (``os.replace``, atomic
   on one file system), and then the folder is fsynced, so that a power cut
   after the save keeps the new file rather than the old one;
3. on any error, KeyboardInterrupt included, the temporary file is removed and
   the old target is left as it was.

A process killed in step 1 (SIGKILL, power cut) cannot clean up, so the next
save of the same target removes its stale temporary files. Stale means: it
has our name pattern for this target, and no live process holds its lock.
The writer holds an exclusive ``flock`` on its temporary file from creation
to rename; the lock dies with the process, so a temporary file whose lock can
be taken belongs to a dead writer, while a concurrent writer's file (locked)
is left alone. Where ``flock`` is missing (Windows) or fails (some network
file systems), only files untouched for :data:`STALE_AFTER_SECONDS` count as
stale.

Paths are checked before anything is written, and problems are mlplab errors
that name the path and the fix: an empty path, a NUL byte, a path that is a
folder or ends with a slash, a folder that does not exist (mlplab does not
create folders: a typo in a folder name should not silently make a tree), a
folder that cannot be written. Reads go through :func:`readable_file`: a
missing, unreadable or folder path is an mlplab error of the caller's class
(``ModelFileError`` for models), never a bare ``OSError``, so a user sees one
kind of message for every problem with a path.

This module uses only the standard library and imports nothing from mlplab
but :mod:`mlplab.errors`, so every layer of the package may use it.
"""

import errno
import hashlib
import os
import re
import secrets
import stat
import time
from pathlib import Path

from mlplab.errors import InvalidInputError, InvalidTypeError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; stale files are recognised by age alone
    fcntl = None  # type: ignore[assignment]

STALE_AFTER_SECONDS = 3600  # the age rule, used only where a lock cannot tell
_LONG_NAME = 200  # longer target names are shortened in temporary names (limit 255)
_SPACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_REASONS = {
    errno.EACCES: ("permission denied", "Choose a folder you can write to, or change its "
                   "permissions."),
    errno.EPERM: ("operation not permitted", "Choose a folder you can write to."),
    errno.EROFS: ("the file system is read-only", "Choose a folder on a writable disk."),
    errno.ENOSPC: ("no space left on the device", "Free some space or choose another disk."),
    errno.EDQUOT: ("the disk quota is exceeded", "Free some space or choose another disk."),
    errno.EFBIG: ("the file is too large for this file system", "Choose another disk."),
    errno.ENAMETOOLONG: ("the name is too long", "Choose a shorter file name."),
    errno.EISDIR: ("it is a folder", "Give a file name inside it, e.g. 'folder/model.npz'."),
    errno.ENOTDIR: ("a part of it is a file, not a folder", "Check the folders in the path."),
    errno.ENOENT: ("its folder does not exist", "Create the folder first or choose another "
                   "path."),
    errno.ELOOP: ("it is a loop of symbolic links", "Check the links in the path."),
}


def atomic_write(path, write, *, pass_path=False) -> Path:
    """Write a file all at once: ``path`` holds either its old content or the whole new one.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Its folder must exist; a symbolic link is followed,
        so the file it points to is replaced and the link kept.
    write : callable
        ``write(file)`` writes the content to a binary file object; with
        ``pass_path=True``, ``write(temporary_path)`` writes the file at that
        path itself (for writers that need a file name, such as matplotlib's
        Pillow and ffmpeg writers). The temporary name ends with the target's
        suffix, so writers that choose a format from it keep working.
    pass_path : bool
        Which of the two forms ``write`` takes.

    Returns
    -------
    path : Path, the file written (the link's target if ``path`` is a link).

    Raises
    ------
    InvalidInputError
        If the path cannot be written (see the module docstring); exceptions
        raised by ``write`` itself propagate unchanged, after the cleanup.
    """
    target = writable_target(path)
    remove_stale_temps(target)
    descriptor, temp = _create_temp(target, target.suffix if pass_path else "")
    try:
        try:
            _write_and_sync(descriptor, temp, write, pass_path)
        except OSError as exc:
            if exc.errno in _SPACE_ERRNOS:  # a full disk, wherever it was noticed
                raise _path_error(exc, path) from None
            raise
        if fcntl is None:  # Windows cannot rename an open file (and has no lock to keep)
            descriptor = _close(descriptor)
        try:
            os.replace(temp, target)
        except OSError as exc:
            raise _path_error(exc, path) from None
    except BaseException:
        _close(descriptor)
        _remove(temp)
        raise
    _close(descriptor)  # releases the lock, now that the temporary name is gone
    _sync_folder(target.parent, path)
    return target


def writable_target(path) -> Path:
    """The file :func:`atomic_write` would write for ``path``, or an mlplab error saying why not.

    Callers that do long work before writing (training, rendering) call it first,
    so a bad path fails at once rather than after the work.
    """
    doing = "cannot save to"
    target = _checked_path(path, doing, InvalidInputError)
    if os.path.islink(target):
        target = Path(os.path.realpath(target))
    info = _stat(target, path, InvalidInputError, doing)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InvalidInputError(f"cannot save to {_shown(path)}: it is a folder. Give a file "
                                f"name inside it, e.g. {str(Path(path) / 'model.npz')!r}.")
    folder = target.parent
    folder_info = _stat(folder, path, InvalidInputError, doing)
    if folder_info is None:
        raise InvalidInputError(f"cannot save to {_shown(path)}: folder {str(folder)!r} does "
                                "not exist. Create it first (mlplab does not create folders) "
                                "or choose another path.")
    if not stat.S_ISDIR(folder_info.st_mode):
        raise InvalidInputError(f"cannot save to {_shown(path)}: {str(folder)!r} is a file, "
                                "not a folder. Check the path.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInputError(f"cannot save to {_shown(path)}: folder {str(folder)!r} is not "
                                "writable. Choose a folder you can write to, or change its "
                                "permissions.")
    return target


def readable_file(path, *, what="file", error=InvalidInputError) -> Path:
    """``path`` as a Path if it names a readable file; otherwise ``error`` naming the problem.

    ``what`` names the kind of file in the message ("model file", "CSV file").
    """
    doing = f"cannot read {what}"
    target = _checked_path(path, doing, error)
    info = _stat(target, path, error, doing)
    if info is None:
        raise error(f"no {what} at {_shown(path)} (looked in {os.getcwd()!r} for relative "
                    "paths). Check the path.")
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{_shown(path)} is a folder, not a {what}. Give the path of the file.")
    if not os.access(target, os.R_OK):
        raise error(f"cannot read {what} {_shown(path)}: permission denied. Check its "
                    "permissions.")
    return target


def remove_stale_temps(target) -> list:
    """Remove the temporary files that killed saves of ``target`` left; return their names.

    Only files named like ours for this target are considered, and of those only
    the ones no live writer holds (see the module docstring).
    """
    target = Path(target)
    pattern = _temp_pattern(target.name, target.suffix)
    removed: list[str] = []
    try:
        entries = [entry.name for entry in os.scandir(target.parent)]
    except OSError:
        return removed
    for name in entries:
        if pattern.fullmatch(name) and _remove_if_stale(target.parent / name):
            removed.append(name)
    return removed


# -- the steps of an atomic write ------------------------------------------------------------

def _create_temp(target, suffix):
    """Create and lock a new temporary file beside ``target``; return (descriptor, path)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = str(target.parent / f"{_temp_prefix(target.name)}{secrets.token_hex(4)}.tmp"
                                   f"{suffix}")
        try:
            descriptor = os.open(temp, flags, 0o666)  # the umask applies, as for any new file
        except FileExistsError:
            continue
        except OSError as exc:
            raise _path_error(exc, target) from None
        try:
            # A cleaner that saw the file before it was locked may have removed it: try again.
            if _lock(descriptor) and os.fstat(descriptor).st_nlink == 0:
                descriptor = _close(descriptor)
                continue
        except BaseException:
            _close(descriptor)
            _remove(temp)
            raise
        return descriptor, temp
    raise InvalidInputError(f"cannot save to {str(target)!r}: no free temporary name in its "
                            "folder. Remove the '.*.tmp' files there.")


def _write_and_sync(descriptor, temp, write, pass_path):
    if pass_path:
        write(temp)
        synced = os.open(temp, os.O_RDONLY)  # the writer may have made a new file at temp
        try:
            os.fsync(synced)
        finally:
            os.close(synced)
    else:
        with os.fdopen(descriptor, "wb", closefd=False) as file:
            write(file)
            file.flush()
        os.fsync(descriptor)


def _sync_folder(folder, shown):
    """fsync the folder, so that the rename itself survives a power cut."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # Windows cannot open a folder; its file system orders the rename itself
        return
    try:
        os.fsync(descriptor)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise _path_error(exc, shown) from None  # EINVAL: this file system syncs no folders
    finally:
        os.close(descriptor)


# -- temporary names and stale files -----------------------------------------------------------

def _temp_prefix(name):
    if len(name) > _LONG_NAME:
        digest = hashlib.sha1(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        name = f"{name[:_LONG_NAME // 2]}~{digest}"
    return f".{name}."


def _temp_pattern(name, suffix):
    # RANDOM is mkstemp's alphabet, so files of earlier mlplab versions are recognised too.
    return re.compile(re.escape(_temp_prefix(name)) + r"[a-z0-9_]+\.tmp(?:"
                      + re.escape(suffix) + ")?")


def _lock(descriptor) -> bool:
    """Take the writer's exclusive lock; False where locks are unavailable."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except OSError:  # e.g. ENOLCK on some network file systems: the age rule applies
        return False
    return True


def _remove_if_stale(temp) -> bool:
    try:
        descriptor = os.open(temp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                             | getattr(os, "O_CLOEXEC", 0))
    except OSError:  # gone already, a link, or not ours to open
        return False
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or not _is_stale(descriptor, info):
            return False
        os.unlink(temp)  # while holding the lock: a writer that is just starting waits
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)


def _is_stale(descriptor, info) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True  # nobody holds it: its writer is dead
        except BlockingIOError:
            return False  # a live writer
        except OSError:
            pass  # locks do not work here: fall back to the age rule
    return time.time() - info.st_mtime > STALE_AFTER_SECONDS


# -- paths and their errors ------------------------------------------------------------------

def _checked_path(path, doing, error) -> Path:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidTypeError(f"{doing} {path!r}: a path must be a str or pathlib.Path, not "
                               f"{type(path).__name__}.")
    text = os.fspath(path)
    text = os.fsdecode(text) if isinstance(text, bytes) else text
    if text == "":
        raise error(f"{doing} '': the path is empty. Give a file name such as 'model.npz'.")
    if "\0" in text:
        raise error(f"{doing} {text!r}: the path contains a NUL byte ('\\x00'), which no file "
                    "name may hold. Remove it.")
    if text.endswith(("/", os.sep)):
        raise error(f"{doing} {text!r}: the path ends with a slash, so it names a folder. "
                    "Add a file name, e.g. 'model.npz'.")
    return Path(text)


def _stat(target, shown, error, doing):
    """os.stat of ``target``, None if it does not exist, an mlplab error if it cannot be asked."""
    try:
        return os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise _path_error(exc, shown, error, doing) from None


def _path_error(exc, path, error=InvalidInputError, doing="cannot save to"):
    reason, fix = _REASONS.get(exc.errno, (exc.strerror or str(exc), "Check the path."))
    return error(f"{doing} {_shown(path)}: {reason}. {fix}")


def _shown(path):
    try:
        return repr(os.fsdecode(os.fspath(path)))
    except TypeError:
        return repr(path)


def _close(descriptor):
    """Close ``descriptor`` unless it is None; return None, for ``fd = _close(fd)``."""
    if descriptor is not None:
        try:
            os.close(descriptor)
        except OSError:  # a failing close loses nothing here: the data were fsynced
            pass


def _remove(temp):
    try:
        os.unlink(temp)
    except OSError:  # renamed or never created
        pass
