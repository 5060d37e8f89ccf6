"""The built-in studies: the reference experiments, shipped inside the package.

They are the TOML files of ``mlplab/studies/`` (``seeds.toml`` includes the others),
found with :mod:`importlib.resources`, so an installed wheel runs them from any folder:
``mlplab study run seeds`` or ``load_study("seeds")``. A built-in study keeps its
database and report in the working folder, not inside the package.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import shutil
import tomllib
from pathlib import Path

from mlplab._typing import PathLike
from mlplab._validation import did_you_mean
from mlplab.errors import InvalidInputError, InvalidTypeError
from mlplab.study.spec import StudyError

# A built-in study is named by its file's stem; a name has no folder and no suffix.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+")


def builtin_folder() -> Path:
    """The folder of the built-in study files (inside the installed package)."""
    folder = importlib.resources.files("mlplab").joinpath("studies")
    if not isinstance(folder, Path):  # a zipped install: the files have no path to include
        raise InvalidInputError("mlplab is installed as an archive, so its built-in studies "
                                "have no folder; install it as files (pip install mlplab).")
    return folder


def builtin_studies() -> tuple[str, ...]:
    """The built-in studies' names (a tuple of str): those that include others first, then
    by name.

    >>> builtin_studies()[:2]
    ('seeds', 'e1')
    """
    paths = sorted(builtin_folder().glob("*.toml"))
    combined = {p.stem for p in paths if "include" in tomllib.loads(p.read_text("utf-8"))}
    return tuple(sorted((p.stem for p in paths), key=lambda name: (name not in combined, name)))


def builtin_path(name: str) -> Path:
    """The file of the built-in study ``name`` (``"seeds"``, ``"e1"``, ...).

    Parameters
    ----------
    name : str
        One of :func:`builtin_studies`.

    Returns
    -------
    Path
        The study file, inside the installed package: read it or load it
        (``load_study(name)``); copy it out to edit (:func:`copy_builtin`).

    Raises
    ------
    StudyError
        For a name that is not a built-in study: the message lists them and
        suggests the closest.
    """
    if not isinstance(name, str):
        raise InvalidTypeError(f"builtin_path(name={name!r}): give a built-in study's name, "
                               "e.g. 'seeds'.")
    names = builtin_studies()
    if name not in names:
        raise StudyError(f"no built-in study {name!r}; built-in: {', '.join(names)}."
                         f"{did_you_mean(name, names)} Or give a study file's path.")
    return builtin_folder() / f"{name}.toml"


def is_builtin(path):
    """Whether ``path`` is one of the built-in study files (then its results go to the
    working folder, not beside it)."""
    try:
        return Path(os.path.realpath(path)).parent == Path(os.path.realpath(builtin_folder()))
    except (OSError, ValueError, InvalidInputError):
        return False


def find_study(study):
    """The study file that ``study`` names: an existing file wins, then a built-in name.

    ``"studies/e4.toml"`` is a path (it names a folder or a suffix), ``"e4"`` a
    built-in study unless a file of that name exists in the working folder (a
    folder of that name does not count: it is no study file).
    """
    path = Path(study)
    if not NAME_PATTERN.fullmatch(str(study)):
        return path
    try:
        if path.is_file():
            return path
    except (OSError, ValueError):  # a name too long for a file: loading it says so
        return path
    return builtin_path(str(study))


def moved_hint(path):
    """A hint for a missing study file whose name is a built-in study's (``studies/seeds.toml``
    of a clone from before the studies moved into the package); else ``""``."""
    try:
        names = builtin_studies()
    except InvalidInputError:
        return ""
    stem = Path(path).stem
    if Path(path).suffix != ".toml" or stem not in names:
        return ""
    return (f" The reference studies are built in: run it by name, mlplab study run {stem} "
            f"(in Python: load_study({stem!r})), or copy it out with mlplab study init {stem}.")


def included_names(path):
    """The files ``path`` includes (relative to it), then those they include, in order."""
    document = tomllib.loads(Path(path).read_text("utf-8"))
    found = []
    for name in document.get("include", []):
        found += [name, *(str(Path(name).parent / sub)
                          for sub in included_names(Path(path).parent / name))]
    return found


def copy_builtin(name: str, dest: PathLike | None = None, *, force: bool = False) -> list[Path]:
    """Copy the built-in study ``name`` and the files it includes out, to edit.

    Parameters
    ----------
    name : str
        A built-in study (:func:`builtin_studies`).
    dest : str or Path, optional
        A folder (made if missing; default: the working folder), or a ``.toml``
        file name for the study itself; included files go beside it, under
        their own names, as its ``include`` names them.
    force : bool
        Overwrite existing files. Without it nothing is written when any of the
        files exists.

    Returns
    -------
    list of Path
        The files written, the study first.
    """
    source = builtin_path(name)
    dest = Path("." if dest is None else dest)
    if dest.suffix != ".toml" and dest.exists() and not dest.is_dir():
        raise InvalidInputError(f"mlplab study init {name} {dest}: {str(dest)!r} is a file; "
                                "give a folder or a .toml file name, e.g. my_study.toml.")
    target = dest if dest.suffix == ".toml" else dest / source.name
    copies = [(source, target)] + [(source.parent / sub, target.parent / sub)
                                   for sub in included_names(source)]
    existing = [str(to) for _, to in copies if to.exists() or to.is_symlink()]
    if existing and not force:
        raise InvalidInputError(f"mlplab study init {name}: {', '.join(existing)} already "
                                f"exist{'s' if len(existing) == 1 else ''}; nothing was "
                                "written. Give another destination (mlplab study init "
                                f"{name} DEST) or pass --force to overwrite.")
    for origin, to in copies:
        to.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, to)
    return [to for _, to in copies]
