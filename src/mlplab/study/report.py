"""Reports from a study database: HTML (self-contained), Markdown or CSV."""

import base64
import csv
import html
import io
import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from mlplab.study.scores import SCORES
from mlplab.study.store import ResultStore

TOLERANCE = 0.03  # a published figure within this of the seeds' mean counts as reproduced


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


@dataclass(frozen=True)
class Verdict:
    reference: object
    mean: float
    low: float
    high: float
    reproduced: bool


def summarise(store, spec):
    """Group the database's cells into rows of mean +- std over seeds.

    Parameters
    ----------
    store : ResultStore
        The open results database.
    spec : StudySpec
        The study (with its included parts) whose cells to summarise.

    Returns
    -------
    list of Row
        One per (study, dataset, model, grid setting), with each metric's per-seed
        values, the failed cells and the first seed's cell key.
    """
    names = {part.name for part in (spec.parts or (spec,))}
    groups = defaultdict(list)
    for row in store.rows():
        if row["study"] in names:
            groups[(row["study"], row["dataset"], row["model"],
                    json.dumps(row["params"], sort_keys=True))].append(row)
    varying = _varying_params(groups)
    rows = []
    for (study, dataset, model, params_text), cells in groups.items():
        cells.sort(key=lambda c: c["seed"])
        done = [c for c in cells if c["status"] == "done"]
        values = defaultdict(list)
        for cell in done:
            for metric, value in cell["metrics"].items():
                values[metric].append(value)
        params = json.loads(params_text)
        setting = ", ".join(f"{k}={params[k]}" for k in sorted(varying[(study, model)]))
        rows.append(Row(study, dataset, model, setting, tuple(c["seed"] for c in done),
                        dict(values), len(cells) - len(done), cells[0]["key"],
                        tuple(sorted({c["error"] for c in cells if c["error"]}))))
    return rows


def _varying_params(groups):
    seen = defaultdict(lambda: defaultdict(set))
    for study, _, model, params_text in groups:
        for key, value in json.loads(params_text).items():
            seen[(study, model)][key].add(json.dumps(value, sort_keys=True))
    return defaultdict(set, {k: {p for p, v in d.items() if len(v) > 1} for k, d in seen.items()})


def verdicts(rows, spec):
    """Each published reference against the seeds that reproduce its setting.

    A reference counts as reproduced when its value lies within the seeds' range,
    or within ``TOLERANCE`` of their mean.

    Parameters
    ----------
    rows : list of Row
        As returned by :func:`summarise`.
    spec : StudySpec
        The study whose ``[[reference]]`` tables to check.

    Returns
    -------
    list of (Row, Verdict)
        Each reference with its row, the seeds' mean and range, and the verdict.
    """
    found = []
    for part in spec.parts or (spec,):
        for reference in part.references:
            for row in rows:
                if (row.study, row.dataset, row.model) != (part.name, reference.dataset,
                                                           reference.model):
                    continue
                values = row.values.get(reference.metric)
                if not values:
                    continue
                mean, low, high = float(np.mean(values)), min(values), max(values)
                reproduced = low <= reference.value <= high or \
                    abs(mean - reference.value) <= TOLERANCE
                found.append((row, Verdict(reference, mean, low, high, reproduced)))
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


def write_report(spec, database, out, fmt="html", seconds=None):
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
            text = _html(spec, rows, checks, store, seconds)
    atomic_write(out, lambda file: file.write(text.encode("utf-8")))
    return out


def _csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    metrics = _metric_names(rows)
    writer.writerow(["study", "dataset", "model", "setting", "seeds", "failed"]
                    + [f"{m}_{s}" for m in metrics for s in ("mean", "std")])
    for row in rows:
        stats = []
        for metric in metrics:
            values = row.values.get(metric, [])
            stats += [f"{np.mean(values):.6g}", f"{np.std(values):.6g}"] if values else ["", ""]
        writer.writerow([row.study, row.dataset, row.model, row.setting, len(row.seeds),
                         row.failed] + stats)
    return buffer.getvalue()


def _markdown(spec, rows, checks):
    lines = [f"# {spec.name}", ""]
    for (study, dataset), group in _by_dataset(rows).items():
        metrics = _metric_names(group)
        lines += [f"## {study}: {dataset}", "",
                  "| model | seeds | " + " | ".join(metrics) + " |",
                  "|---|---|" + "---|" * len(metrics)]
        for row in group:
            label = f"{row.model} ({row.setting})" if row.setting else row.model
            lines.append(f"| {label} | {len(row.seeds)} | "
                         + " | ".join(_cell_text(row.values.get(m)) for m in metrics) + " |")
        lines.append("")
    if checks:
        lines += ["## Published figures", "", "| study | dataset | model | metric | published "
                  "| mlplab (mean, range) | verdict |", "|---|---|---|---|---|---|---|"]
        for row, v in checks:
            lines.append(f"| {row.study} | {row.dataset} | {row.model} | {v.reference.metric} | "
                         f"{v.reference.value:.3f} | {v.mean:.3f} ({v.low:.3f}-{v.high:.3f}) | "
                         f"{'reproduced' if v.reproduced else 'not reproduced'} |")
    return "\n".join(lines) + "\n"


def _by_dataset(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[(row.study, row.dataset)].append(row)
    return grouped


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 0.6em 0 1.4em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }
th:first-child, td:first-child, td.t { text-align: left; }
th { background: #f2f2f2; }
.ok { color: #1a7f37; font-weight: 600; } .no { color: #b3261e; font-weight: 600; }
.figs { display: flex; flex-wrap: wrap; gap: 0.8em; }
.figs figure { margin: 0; } .figs img { max-height: 260px; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; }
.note { color: #555; font-size: 0.9em; }
"""


def _html(spec, rows, checks, store, seconds):
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(spec.name)}</title>"
             f"<style>{STYLE}</style></head><body><h1>{e(spec.name)}</h1>"]
    if spec.description:
        parts.append(f"<p>{e(spec.description)}</p>")
    total = sum(len(r.seeds) + r.failed for r in rows)
    timing = f" in {seconds:.1f} s" if seconds is not None else ""
    parts.append(f"<p class='note'>{total} cells{timing}; values are mean ± std over seeds "
                 "(test set unless named train).</p>")
    if checks:
        parts.append(_html_verdicts(checks))
    for (study, dataset), group in _by_dataset(rows).items():
        metrics = _metric_names(group)
        parts.append(f"<h2>{e(study)}: {e(dataset)}</h2><table><tr><th>model</th><th>seeds"
                     "</th>" + "".join(f"<th>{e(m)}</th>" for m in metrics) + "</tr>")
        for row in group:
            label = f"{row.model} ({row.setting})" if row.setting else row.model
            failed = f" <span class='no'>{row.failed} failed</span>" if row.failed else ""
            parts.append(f"<tr><td>{e(label)}{failed}</td><td>{len(row.seeds)}</td>"
                         + "".join(f"<td>{_cell_text(row.values.get(m))}</td>"
                                   for m in metrics) + "</tr>")
        parts.append("</table>")
        for row in group:
            for error in row.errors:
                parts.append(f"<p class='no'>{e(row.model)}: {e(error)}</p>")
        parts.append(_html_figures(group, store))
    parts.append("</body></html>")
    return "".join(parts)


def _html_verdicts(checks):
    e = html.escape
    lines = ["<h2>Published figures</h2><table><tr><th>study</th><th>dataset</th><th>model"
             "</th><th>metric</th><th>published</th><th>mlplab mean</th><th>seeds' range</th>"
             "<th>verdict</th><th>note</th></tr>"]
    for row, v in checks:
        verdict = "<span class='ok'>reproduced</span>" if v.reproduced else \
            "<span class='no'>not reproduced</span>"
        lines.append(f"<tr><td>{e(row.study)}</td><td class='t'>{e(row.dataset)}</td>"
                     f"<td class='t'>{e(row.model)}</td><td class='t'>{e(v.reference.metric)}"
                     f"</td><td>{v.reference.value:.3f}</td><td>{v.mean:.3f}</td>"
                     f"<td>{v.low:.3f} – {v.high:.3f}</td><td class='t'>{verdict}</td>"
                     f"<td class='t'>{e(v.reference.note)}</td></tr>")
    lines.append("</table><p class='note'>Reproduced: the published value lies within the "
                 f"seeds' range, or within {TOLERANCE} of their mean.</p>")
    return "".join(lines)


def _html_figures(group, store):
    figures = []
    for row in group:
        for kind, png in sorted(store.figures(row.first_key).items()):
            data = base64.b64encode(png).decode("ascii")
            caption = html.escape(f"{row.model} {row.setting} · {kind} · seed {row.seeds[0]}"
                                  if row.seeds else row.model)
            figures.append(f"<figure><img src='data:image/png;base64,{data}' alt='{caption}'>"
                           f"<figcaption>{caption}</figcaption></figure>")
    return f"<div class='figs'>{''.join(figures)}</div>" if figures else ""
