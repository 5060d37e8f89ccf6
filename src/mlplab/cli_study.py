"""``mlplab study ...``: run, report, list, show and copy out studies (a thin shell over
:mod:`mlplab.study`; registered on the ``mlplab`` group by :mod:`mlplab.cli`)."""

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from mlplab._cli_params import FILE, writable

if TYPE_CHECKING:
    from rich.table import Table

    from mlplab.study import RunSummary, StudySpec

F = TypeVar("F", bound=Callable[..., Any])  # a command, as an option decorates it


@click.group()
def study() -> None:
    """Run studies (datasets x models x seeds) and report on them.

    A study is a study file or the name of a built-in study (the reference
    experiments: mlplab study list --builtin); an existing file of that name wins.

    Example: mlplab study run e4 --jobs 2
    """


# A study argument: a file path or a built-in study's name (mlplab.study.builtin.find_study).
STUDY = click.Path(path_type=str)


class FolderPath(click.Path):
    """A folder option (``--out DIR``): not an existing file, and not empty."""

    def __init__(self) -> None:
        super().__init__(file_okay=False)

    def convert(self, value: str | os.PathLike[str], param: click.Parameter | None,
                ctx: click.Context | None) -> str | bytes | os.PathLike[str]:
        if isinstance(value, str) and not value.strip():
            self.fail(f"{value!r} is not a folder name; give the folder's path.", param, ctx)
        return super().convert(value, param, ctx)


BESIDE = "beside the study file; the current folder for a built-in study"


def data_dir_option(command: F) -> F:
    """``--data-dir DIR`` (repeatable): folders outside the study's own with CSV files it reads."""
    return click.option(
        "--data-dir", "data_dirs", multiple=True,
        type=click.Path(exists=True, file_okay=False), metavar="DIR",
        help="A folder outside the study file's folder whose CSV files the study may read "
             "(repeatable).")(command)


@study.command("run")
@click.argument("study_file", type=STUDY)
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes; more than the cores are capped unless --force-jobs.")
@click.option("--force-jobs", is_flag=True,
              help="Start --jobs workers even if there are fewer cores (each uses ~250 MB).")
@click.option("--executor", type=click.Choice(["process", "dask"]), default="process",
              show_default=True)
@click.option("--scheduler", default=None,
              help="dask.distributed scheduler address (default: a local cluster).")
@click.option("--out", "out_dir", type=FolderPath(), default=None,
              metavar="DIR", help=f"Folder for the database and the report [default: {BESIDE}].")
@click.option("--db", "database", type=FILE, default=None,
              help="SQLite file [default: <study>.sqlite in the --out folder].")
@click.option("--fresh", is_flag=True, help="Forget earlier results and run every cell.")
@click.option("--report", "report_path", type=FILE, default=None, callback=writable,
              help="HTML report to write [default: the database's name, .html].")
@click.option("--progress/--no-progress", default=True, show_default=True)
@data_dir_option
def study_run(study_file: str, jobs: int, force_jobs: bool,
              executor: Literal["process", "dask"],
              scheduler: str | None, out_dir: str | None, database: str | None, fresh: bool,
              report_path: str | None, progress: bool, data_dirs: tuple[str, ...]) -> None:
    """Run every missing cell of STUDY_FILE, then write its HTML report.

    STUDY_FILE is a study file or a built-in study's name (seeds, e1 ... e5,
    e3_relu: mlplab study list --builtin); a file of that name in the current
    folder wins. A built-in study writes its database and report in the current
    folder (or --out DIR).

    Finished cells are saved as they finish: after Ctrl+C (exit code 130) or a
    crash, the same command runs only the missing ones. Failed cells are
    recorded with their error and run again next time; the exit code is 1 only
    when no cell of the study has a result.

    Example: mlplab study run seeds --jobs 2
    """
    from pathlib import Path

    from mlplab.study import (
        StudyInterrupted,
        default_database,
        load_study,
        run_study,
        write_report,
    )

    spec = load_study(study_file, data_dirs=data_dirs)
    warn_about_a_copy(study_file, spec)
    if database is None and out_dir is not None:
        database = Path(out_dir) / default_database(spec).name
    try:
        summary = run_study(spec, database=database, jobs=jobs, executor=executor,
                            scheduler=scheduler, fresh=fresh, force_jobs=force_jobs,
                            progress=progress and sys.stdout.isatty())
    except StudyInterrupted as stop:
        done = stop.summary
        click.echo(f"\nStopped: {done.done} of {done.total} cells saved in {done.database}; "
                   "run the same command again to resume.", err=True)
        sys.exit(130)  # 128 + SIGINT, as a shell reports a program ended by Ctrl+C
    click.echo(f"{summary.total} cells: {summary.skipped} already done, {summary.ran} run now "
               f"({summary.failed} failed) in {summary.seconds:.1f} s; results in "
               f"{summary.database}")
    out = report_path or summary.database.with_suffix(".html")
    write_report(spec, summary.database, out, seconds=summary.seconds)
    click.echo(f"report: {out}")
    if summary.failed:
        report_failures(summary)


def warn_about_a_copy(study_file: str, spec: "StudySpec") -> None:
    """A built-in study run by name beside a copy of it (mlplab study init): say which ran."""
    from pathlib import Path

    from mlplab.study.builtin import is_builtin

    copy = Path(f"{study_file}.toml")
    if is_builtin(spec.path) and copy.is_file():
        click.echo(f"Note: this is the built-in study {study_file!r}; to use your {copy}, give "
                   f"its path: mlplab study run {copy}", err=True)


def report_failures(summary: "RunSummary") -> None:
    """Say how many cells failed and the first error; exit 1 if the study has no result."""
    first = summary.errors[0] if summary.errors else "see the report"
    if summary.done == 0:
        raise click.ClickException(f"every cell failed ({summary.failed} of {summary.total}); "
                                   f"the first: {first}")
    click.echo(f"Warning: {summary.failed} of {summary.ran} cells run now failed (they run "
               f"again next time); the first: {first}", err=True)


@study.command("report")
@click.argument("study_file", type=STUDY)
@click.option("--db", "database", type=FILE, default=None,
              help=f"SQLite file [default: <study>.sqlite {BESIDE}].")
@click.option("--out", default=None, type=FILE, callback=writable,
              help="Output file [default: beside the database].")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown", "csv"]),
              default="html", show_default=True)
@click.option("--median-runs", is_flag=True,
              help="Also draw each published setting's median run (HTML).")
@data_dir_option
def study_report(study_file: str, database: str | None, out: str | None,
                 fmt: Literal["html", "markdown", "csv"],
                 median_runs: bool, data_dirs: tuple[str, ...]) -> None:
    """Write the report of STUDY_FILE's results (HTML, Markdown or CSV).

    STUDY_FILE is a study file or a built-in study's name, as for study run.

    Example: mlplab study report seeds --format markdown
    """
    from pathlib import Path

    from mlplab.study import default_database, load_study, write_report

    spec = load_study(study_file, data_dirs=data_dirs)
    database = Path(database) if database else default_database(spec)
    suffix = {"html": ".html", "markdown": ".md", "csv": ".csv"}[fmt]
    out = out or database.with_suffix(suffix)
    write_report(spec, database, out, fmt=fmt, median_runs=median_runs)
    click.echo(f"report: {out}")


@study.command("list")
@click.option("--db", "database", type=FILE, default=None,
              help="A results database: list the studies recorded in it.")
@click.option("--builtin", is_flag=True, help="List the built-in studies instead.")
def study_list(database: str | None, builtin: bool) -> None:
    """List the built-in studies, or those in a results database.

    Example: mlplab study list --builtin
    """
    from rich.console import Console
    from rich.table import Table

    from mlplab.study import ResultStore

    if builtin == (database is not None):
        raise click.UsageError("give one of --db DB (the studies in a results database) or "
                               "--builtin (the built-in studies).")
    if builtin:
        Console().print(builtin_table())
        return
    assert database is not None  # one of the two, checked above
    table = Table("study", "file", "cells", "done", "failed")
    with ResultStore(database) as store:
        for study in store.studies():
            table.add_row(study.name, str(study.path or ""), str(study.cells), str(study.done),
                          str(study.failed))
            for part in study.parts:  # an included study, counted in the line above
                table.add_row(f"  {part.name}", "", str(part.cells), str(part.done),
                              str(part.failed))
    Console().print(table)


def builtin_table() -> "Table":
    """The built-in studies: name, title and cells (an including study: all its parts')."""
    from rich.table import Table

    from mlplab.study import builtin_studies, load_study

    table = Table("name", "title", "cells")
    for name in builtin_studies():
        spec = load_study(name)
        table.add_row(name, spec.name, str(len(spec.cells())))
    return table


@study.command("init")
@click.argument("name")
@click.argument("dest", required=False, type=click.Path())
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def study_init(name: str, dest: str | None, force: bool) -> None:
    """Copy the built-in study NAME out, as a starting point to edit.

    DEST is a folder (default: the current one) or a .toml file name; the files
    the study includes are copied beside it. Nothing is overwritten without
    --force.

    Example: mlplab study init e4 my_study.toml
    """
    from mlplab.study import copy_builtin

    written = copy_builtin(name, dest, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"run it with: mlplab study run {written[0]}")
    database = written[0].with_suffix(".sqlite")
    if database.exists():  # e.g. from `mlplab study run e4` in this folder
        click.echo(f"Note: {database} exists; the copy's results will go there, beside the "
                   "results already in it (the same study name). To keep them apart, copy it "
                   f"under another name: mlplab study init {name} my_{name}.toml", err=True)


@study.command("show")
@click.argument("study_file", type=STUDY)
@click.option("--db", "database", type=FILE, default=None,
              help=f"SQLite file [default: <study>.sqlite {BESIDE}].")
@data_dir_option
def study_show(study_file: str, database: str | None, data_dirs: tuple[str, ...]) -> None:
    """Print a study's results table and its published-figure verdicts.

    STUDY_FILE is a study file or a built-in study's name, as for study run.
    """
    import tempfile
    from pathlib import Path

    from mlplab.study import default_database, load_study, write_report

    spec = load_study(study_file, data_dirs=data_dirs)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "table.md"
        write_report(spec, database or default_database(spec), out, fmt="markdown")
        click.echo(out.read_text())
