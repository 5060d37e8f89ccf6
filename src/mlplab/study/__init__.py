"""Studies: a study file (datasets x models x seeds) run into SQLite and a report.

>>> from mlplab import study
>>> spec = study.load_study("studies/e4.toml")                # doctest: +SKIP
>>> summary = study.run_study(spec, jobs=2)                   # doctest: +SKIP
>>> study.write_report(spec, summary.database, "e4.html")     # doctest: +SKIP
"""

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

__all__ = ["load_study", "run_study", "write_report", "summarise", "verdicts", "RunSummary",
           "StudyInterrupted", "default_database", "usable_cores", "StudyError", "StudySpec",
           "ResultStore"]
