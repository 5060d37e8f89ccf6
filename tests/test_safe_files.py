"""mlplab._files: atomic writes (no leftovers, umask modes, fsyncs, stale temporaries) and
clear errors for bad paths."""

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import mlplab
from mlplab import _files
from mlplab._files import atomic_write, readable_file, remove_stale_temps, writable_target
from mlplab.errors import InvalidInputError, MlplabError, ModelFileError

fcntl = pytest.importorskip("fcntl")


def names(folder):
    return sorted(path.name for path in folder.iterdir())


def write_bytes(content):
    return lambda file: file.write(content)


@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old content")
    return path


@pytest.fixture
def umask():
    """Set the process umask for one test; restore it afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield os.umask
    os.umask(previous)


# -- a write is all or nothing ---------------------------------------------------------------

def test_writes_the_content_and_returns_the_path(tmp_path):
    path = tmp_path / "out.bin"
    assert atomic_write(path, write_bytes(b"new")) == path
    assert path.read_bytes() == b"new" and names(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("error", [ValueError("writer failed"), KeyboardInterrupt(),
                                   SystemExit(3)])
@pytest.mark.parametrize("pass_path", [False, True])
def test_an_error_in_the_writer_leaves_the_old_file_and_no_temporary(old_file, error,
                                                                      pass_path):
    def write(target):
        if pass_path:
            with open(target, "wb") as file:
                file.write(b"half")
        else:
            target.write(b"half")
        raise error

    with pytest.raises(type(error)):
        atomic_write(old_file, write, pass_path=pass_path)
    assert old_file.read_bytes() == b"old content"
    assert names(old_file.parent) == ["out.bin"]


def test_a_failing_rename_is_an_mlplab_error_and_leaves_no_temporary(old_file, monkeypatch):
    def refuse(source, target):
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    monkeypatch.setattr(_files.os, "replace", refuse)
    with pytest.raises(InvalidInputError, match="out.bin.*permission denied.*writ"):
        atomic_write(old_file, write_bytes(b"new"))
    assert names(old_file.parent) == ["out.bin"]


def test_a_full_disk_is_an_mlplab_error_and_leaves_no_temporary(old_file):
    def write(file):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(InvalidInputError, match="no space left.*Free some space"):
        atomic_write(old_file, write)
    assert old_file.read_bytes() == b"old content" and names(old_file.parent) == ["out.bin"]


def test_the_path_form_gives_a_temporary_name_with_the_suffix(tmp_path):
    seen = []

    def write(temp):
        seen.append(temp)
        assert os.path.dirname(temp) == str(tmp_path)  # same folder: the rename is atomic
        with open(temp, "wb") as file:
            file.write(b"GIF89a")

    atomic_write(tmp_path / "anim.gif", write, pass_path=True)
    assert seen[0].endswith(".gif") and os.path.basename(seen[0]).startswith(".anim.gif.")
    assert (tmp_path / "anim.gif").read_bytes() == b"GIF89a"
    assert names(tmp_path) == ["anim.gif"]


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    assert atomic_write(link, write_bytes(b"new")) == real
    assert link.is_symlink() and real.read_bytes() == b"new"


# -- modes follow the umask ------------------------------------------------------------------

@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_modes_follow_the_umask(tmp_path, umask, mask):
    umask(mask)
    expected = 0o666 & ~mask
    atomic_write(tmp_path / "report.html", write_bytes(b"<p>"))
    atomic_write(tmp_path / "anim.gif", lambda temp: open(temp, "wb").close(), pass_path=True)
    model = mlplab.Sequential.from_spec([2, 3, 1], random_state=0).build()
    model.save(tmp_path / "model.npz")
    existing = tmp_path / "again.npz"
    existing.write_bytes(b"")
    existing.chmod(0o600)
    model.save(existing)  # a re-saved file gets the umask's mode too, like a new one
    for name in ("report.html", "anim.gif", "model.npz", "again.npz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected, name


# -- durability: fsync of the file, rename, fsync of the folder -------------------------------

def test_the_file_is_synced_then_renamed_then_its_folder_synced(tmp_path, monkeypatch):
    target = tmp_path / "out.bin"
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        is_folder = stat.S_ISDIR(os.fstat(descriptor).st_mode)
        events.append("fsync folder" if is_folder else "fsync file")
        if is_folder:  # the rename is done when the folder is synced
            assert target.read_bytes() == b"new"
        real_fsync(descriptor)

    def replace(source, destination):
        events.append("replace")
        real_replace(source, destination)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic_write(target, write_bytes(b"new"))
    assert events == ["fsync file", "replace", "fsync folder"]
    events.clear()
    atomic_write(tmp_path / "anim.gif", lambda temp: open(temp, "wb").close(), pass_path=True)
    assert events == ["fsync file", "replace", "fsync folder"]


# -- stale temporary files -------------------------------------------------------------------

def test_the_next_save_removes_stale_temporaries_of_that_file_only(tmp_path):
    target = tmp_path / "m.npz"
    stale = [".m.npz.abc123_x.tmp", ".m.npz.0f3a9c1d.tmp", ".m.npz.0f3a9c1e.tmp.npz"]
    kept = [".other.npz.0f3a9c1d.tmp", ".m.npz.notes", "m.npz.0f3a9c1d.tmp",
            ".m.npz.0f3a9c1d.tmpx"]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x" * 100)
    atomic_write(target, write_bytes(b"model"))
    assert names(tmp_path) == sorted(kept + ["m.npz"])


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    target = tmp_path / "m.npz"
    busy = tmp_path / ".m.npz.1234abcd.tmp"
    with open(busy, "wb") as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)  # as a concurrent save holds it
        atomic_write(target, write_bytes(b"model"))
        assert busy.exists()
    assert remove_stale_temps(target) == [busy.name]  # its writer has gone now


def test_a_long_file_name_still_fits_in_a_temporary_name(tmp_path):
    target = tmp_path / ("m" * 250)
    atomic_write(target, write_bytes(b"x"))
    (tmp_path / (_files._temp_prefix(target.name) + "deadbeef.tmp")).write_bytes(b"")
    atomic_write(target, write_bytes(b"y"))
    assert names(tmp_path) == [target.name] and target.read_bytes() == b"y"


WRITER = textwrap.dedent("""
    import sys, time
    from mlplab._files import atomic_write

    def write(file):
        for _ in range(8):
            file.write(b"n" * 2**20)
        file.flush()
        print("writing", flush=True)
        time.sleep(120)

    atomic_write(sys.argv[1], write)
""")


def test_sigkill_mid_save_keeps_the_old_file_and_the_next_save_cleans_up(old_file):
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(old_file)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        temps = [name for name in names(old_file.parent) if name.endswith(".tmp")]
        assert len(temps) == 1 and (old_file.parent / temps[0]).stat().st_size == 8 * 2**20
        assert remove_stale_temps(old_file) == []  # the writer is alive: not stale
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    assert old_file.read_bytes() == b"old content"
    assert names(old_file.parent) == sorted(["out.bin", temps[0]])
    atomic_write(old_file, write_bytes(b"new"))
    assert names(old_file.parent) == ["out.bin"] and old_file.read_bytes() == b"new"


SAVER = textwrap.dedent("""
    import sys
    import mlplab

    model = mlplab.Sequential.from_spec([1000, 1500, 1], random_state=0).build()
    print("ready", flush=True)
    while True:
        model.save(sys.argv[1])
""")


def test_sigkill_during_real_model_saves_never_loses_the_model(tmp_path):
    path = tmp_path / "big.npz"
    expected = mlplab.Sequential.from_spec([1000, 1500, 1], random_state=0).build()
    expected.save(path)
    for attempt in range(10):
        child = subprocess.Popen([sys.executable, "-c", SAVER, str(path)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
                name.endswith(".tmp") for name in names(tmp_path)):
            pass
        time.sleep(0.003 * attempt)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        loaded = mlplab.load(path)  # whole: the old or a new complete copy
        assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(),
                                                         expected.get_weights(), strict=True))
        if any(name.endswith(".tmp") for name in names(tmp_path)):
            break
    else:
        pytest.fail("no kill landed in the middle of a save")
    expected.save(path)
    assert names(tmp_path) == ["big.npz"]


# -- bad paths are mlplab errors that name the path and the fix --------------------------------

@pytest.mark.parametrize(("path", "message"), [
    ("", "the path is empty"),
    ("a\0b.npz", "NUL byte"),
    ("{tmp}", "is a folder.*Give a file name inside it"),
    ("{tmp}/sub/", "ends with a slash"),
    ("{tmp}/missing/m.npz", "folder .*missing' does not exist. Create it first"),
    ("{tmp}/file.txt/m.npz", "is a file, not a folder"),
])
def test_bad_paths_are_refused_before_anything_is_written(tmp_path, path, message):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    path = path.format(tmp=tmp_path)
    before = names(tmp_path)
    with pytest.raises(InvalidInputError, match=message) as caught:
        atomic_write(path, write_bytes(b"x"))
    assert repr(path) in str(caught.value) or path == "a\0b.npz"
    model = mlplab.Sequential.from_spec([2, 1]).build()
    with pytest.raises(InvalidInputError, match=message):
        model.save(path)
    assert names(tmp_path) == before


def test_a_path_of_the_wrong_type_is_an_mlplab_type_error():
    with pytest.raises(TypeError, match="must be a str or pathlib.Path") as caught:
        atomic_write(5, write_bytes(b"x"))
    assert isinstance(caught.value, MlplabError)


def test_a_folder_that_cannot_be_written(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_open = os.open

    def refuse(path, flags, mode=0o777, **kwargs):  # as a read-only folder answers
        if os.path.dirname(os.fspath(path)) == str(locked) and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(InvalidInputError, match="locked/m.npz.*permission denied.*Choose a "
                                                "folder you can write to"):
        atomic_write(locked / "m.npz", write_bytes(b"x"))
    assert names(locked) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(InvalidInputError, match="not writable"):
            writable_target(locked / "m.npz")
    finally:
        locked.chmod(0o755)


def test_reading_a_bad_path_is_an_error_of_the_callers_class(tmp_path):
    for path, message in [(tmp_path / "missing.npz", "no model file at .*missing.npz"),
                          (tmp_path, "is a folder, not a model file"),
                          ("", "the path is empty"), ("a\0b", "NUL byte")]:
        with pytest.raises(ModelFileError, match=message):
            readable_file(path, what="model file", error=ModelFileError)
        with pytest.raises(ModelFileError, match=message):
            mlplab.load(path)
    (tmp_path / "ok.csv").write_text("x")
    assert readable_file(tmp_path / "ok.csv") == tmp_path / "ok.csv"
