"""Studies: a study file (datasets x models x seeds) run into SQLite and a report.

>>> from mlplab import study
>>> spec = study.load_study("e4")           # a built-in study, or a path  # doctest: +SKIP
>>> summary = study.run_study(spec, jobs=2)                   # doctest: +SKIP
>>> study.write_report(spec, summary.database, "e4.html")     # doctest: +SKIP
"""

from mlplab.study.builtin import builtin_path, builtin_studies, copy_builtin
from mlplab.study.loader import load_study
from mlplab.study.report import summarise, verdicts, write_report
from mlplab.study.runner import (
    RunSummary,
    StudyInterrupted,
    default_database,
    run_study,
    usable_cores,
)
from mlplab.study.spec import StudyError, StudySpec
from mlplab.study.store import ResultStore

__all__ = ["load_study", "builtin_studies", "builtin_path", "copy_builtin",
           "run_study", "write_report", "summarise", "verdicts", "RunSummary",
           "StudyInterrupted", "default_database", "usable_cores", "StudyError", "StudySpec",
           "ResultStore"]
