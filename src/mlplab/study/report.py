"""Reports from a study database: HTML (self-contained), Markdown or CSV.

Sections follow the study file (an including study: its parts in ``include`` order);
each published figure gets its runs' spread and the verdict of
:mod:`mlplab.study.verdict`, whose rule the report states once at the top.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from mlplab._typing import PathLike
from mlplab.study.scores import SCORES
from mlplab.study.spec import StudySpec
from mlplab.study.store import ResultStore
from mlplab.study.verdict import RULE, Verdict, judge


@dataclass(frozen=True)
class Row:
    """One model (one grid point) on one dataset, summarised over seeds."""

    study: str
    dataset: str
    model: str
    setting: str  # the grid point, "" when the model has one
    seeds: tuple
    values: dict  # metric -> list of per-seed values
    failed: int
    first_key: str  # the first seed's cell (it carries the figures)
    errors: tuple
    deterministic: bool = False  # the seed changes nothing: the cell ran once
    keys: tuple = ()  # each done seed's cell key, in seed order


def summarise(store: ResultStore, spec: StudySpec) -> list[Row]:
    """Group the database's cells into rows, one per setting, in the study file's order.

    Parameters
    ----------
    store : ResultStore
        The open results database.
    spec : StudySpec
        The study (with its included parts) whose cells to summarise.

    Returns
    -------
    list of Row
        One per (study, dataset, model, grid setting), in the order of the study file
        (parts in ``include`` order), with each metric's per-seed values, the failed
        cells, the first seed's cell key, and whether the setting is deterministic.
    """
    from mlplab.study.cell import seed_free

    names = {part.name for part in (spec.parts or (spec,))}
    order: dict[Any, int] = {}
    free: set[Any] = set()
    for cell in spec.cells():
        setting = (cell["study"], cell["dataset"], cell["model"],
                   json.dumps(cell["params"], sort_keys=True))
        if setting not in order and seed_free(cell):
            free.add(setting)
        order.setdefault(setting, len(order))
    groups = defaultdict(list)
    for row in store.rows():
        if row["study"] in names:
            groups[(row["study"], row["dataset"], row["model"],
                    json.dumps(row["params"], sort_keys=True))].append(row)
    varying = _varying_params(groups)
    rows = []
    for setting in sorted(groups, key=lambda s: order.get(s, len(order))):
        study, dataset, model, params_text = setting
        cells = sorted(groups[setting], key=lambda c: c["seed"])
        done = [c for c in cells if c["status"] == "done"]
        values = defaultdict(list)
        for cell in done:
            for metric, value in cell["metrics"].items():
                values[metric].append(value)
        params = json.loads(params_text)
        label = ", ".join(f"{k}={params[k]}" for k in sorted(varying[(study, model)]))
        rows.append(Row(study, dataset, model, label, tuple(c["seed"] for c in done),
                        dict(values), len(cells) - len(done), cells[0]["key"],
                        tuple(sorted({c["error"] for c in cells if c["error"]})),
                        setting in free, tuple(c["key"] for c in done)))
    return rows


def _varying_params(groups):
    seen: defaultdict[Any, defaultdict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
    for study, _, model, params_text in groups:
        for key, value in json.loads(params_text).items():
            seen[(study, model)][key].add(json.dumps(value, sort_keys=True))
    return defaultdict(set, {k: {p for p, v in d.items() if len(v) > 1} for k, d in seen.items()})


def verdicts(rows: Sequence[Row], spec: StudySpec) -> list[tuple[Row, Verdict]]:
    """Each published reference against the runs of its setting, by the rule of
    :mod:`mlplab.study.verdict` (``verdict.RULE``).

    Parameters
    ----------
    rows : list of Row
        As returned by :func:`summarise`.
    spec : StudySpec
        The study whose ``[[reference]]`` tables to check.

    Returns
    -------
    list of (Row, Verdict)
        Each reference with its row and its :class:`mlplab.study.verdict.Verdict`
        (median, central 90%, bootstrap interval, percentile, modes, verdict), in the
        study file's order.
    """
    found = []
    for part in spec.parts or (spec,):
        for reference in part.references:
            for row in rows:
                if (row.study, row.dataset, row.model) != (part.name, reference.dataset,
                                                           reference.model):
                    continue
                values = row.values.get(reference.metric)
                if values:
                    found.append((row, judge(reference, values, row.deterministic)))
    return found


def _cell_text(values):
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def _metric_names(rows):
    present = {m for row in rows for m in row.values}
    return [m for m in SCORES if m in present]


def write_report(spec: StudySpec, database: PathLike, out: PathLike,
                 fmt: Literal["html", "markdown", "csv"] = "html", seconds: float | None = None,
                 median_runs: bool = False) -> PathLike:
    """Write the report of ``spec``'s results in ``database`` to ``out``; return ``out``.

    Parameters
    ----------
    spec : StudySpec
        The study, as returned by :func:`load_study`.
    database : str or Path
        The SQLite file the study's runs were stored in.
    out : str or Path
        The report file; written atomically, so an old report is never left half-written.
    fmt : {"html", "markdown", "csv"}
        HTML is self-contained (figures inline); Markdown and CSV hold the tables only.
    seconds : float or None
        Wall time of the run, shown in the HTML report when given.
    median_runs : bool
        HTML: also draw the figures of each published setting's median run (the run
        whose value is the median of the figure's metric; the lower one for an even
        count), beside the first seed's. Each is trained again from its cell.

    Returns
    -------
    out : the path written.
    """
    from mlplab._files import atomic_write

    with ResultStore(database) as store:
        rows = summarise(store, spec)
        checks = verdicts(rows, spec)
        if fmt == "csv":
            text = _csv(rows)
        elif fmt == "markdown":
            text = _markdown(spec, rows, checks)
        else:
            from mlplab.study.report_html import html_report

            text = html_report(spec, rows, checks, store, seconds, median_runs)
    atomic_write(out, lambda file: file.write(text.encode("utf-8")))
    return out


def _csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    metrics = _metric_names(rows)
    writer.writerow(["study", "dataset", "model", "setting", "seeds", "failed"]
                    + [f"{m}_{s}" for m in metrics for s in ("mean", "std", "median")])
    for row in rows:
        stats = []
        for metric in metrics:
            values = row.values.get(metric, [])
            stats += [f"{np.mean(values):.6g}", f"{np.std(values):.6g}",
                      f"{np.median(values):.6g}"] if values else ["", "", ""]
        writer.writerow([row.study, row.dataset, row.model, row.setting, len(row.seeds),
                         row.failed] + stats)
    return buffer.getvalue()


MARKDOWN_SPECIAL = "\\`*_[]|"  # a backslash before each keeps it text in a table cell


def md(text):
    """``text`` safe in a Markdown table cell: HTML's specials escaped as the HTML report
    escapes them (Markdown passes raw HTML through), Markdown's own backslashed, and
    line breaks made spaces."""
    text = html.escape(str(text)).replace("\r", " ").replace("\n", " ")
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in text)


def verdict_cells(verdict):
    """The verdict table's columns for one published figure (Markdown and HTML)."""
    s = verdict.spread
    modes = ""
    if len(s.modes) == 2:
        modes = "; ".join(f"{m.share:.0%} at {m.low:.3f}-{m.high:.3f}" for m in s.modes)
    cells = {"runs": str(verdict.n_runs), "median": f"{s.median:.3f}",
             "central 90%": f"{s.low:.3f}-{s.high:.3f}",
             "mean (95% CI)": f"{s.mean:.3f} ({s.mean_low:.3f}-{s.mean_high:.3f})",
             "percentile": f"{verdict.percentile:.0f}", "verdict": verdict.verdict,
             "two modes": modes}
    if verdict.deterministic:  # one run: no spread to speak of
        cells.update({"runs": "1 (deterministic)", "central 90%": "-", "mean (95% CI)": "-",
                      "percentile": "-"})
    return cells


def _markdown(spec, rows, checks):
    lines = [f"# {md(spec.name)}", ""]
    if checks:
        plain = RULE.replace("<b>", "**").replace("</b>", "**")
        columns = list(verdict_cells(checks[0][1]))
        lines += ["## Published figures", "", f"Verdict rule: {plain}", "",
                  "| study | dataset | model | metric | published | " + " | ".join(columns)
                  + " |", "|---" * (5 + len(columns)) + "|"]
        for row, v in checks:
            cells = verdict_cells(v)
            lines.append(f"| {md(row.study)} | {md(row.dataset)} | {md(row.model)} | "
                         f"{md(v.reference.metric)} | {v.reference.value:.3f} | "
                         + " | ".join(md(cells[c]) for c in columns) + " |")
        lines.append("")
    for (study, dataset), group in _by_dataset(rows).items():
        metrics = _metric_names(group)
        lines += [f"## {md(study)}: {md(dataset)}", "",
                  "| model | seeds | " + " | ".join(metrics) + " |",
                  "|---|---|" + "---|" * len(metrics)]
        for row in group:
            label = f"{row.model} ({row.setting})" if row.setting else row.model
            lines.append(f"| {md(label)} | {len(row.seeds)} | "
                         + " | ".join(_cell_text(row.values.get(m)) for m in metrics) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _by_dataset(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[(row.study, row.dataset)].append(row)
    return grouped
