"""The HTML report: self-contained (figures inline), read top to bottom in the study
file's order, the verdict rule and a legend stated once at the top."""

import base64
import html
from itertools import groupby

from mlplab.study.report import _by_dataset, _cell_text, _metric_names, verdict_cells
from mlplab.study.verdict import RULE

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222;
       padding: 0 1em; }
table { border-collapse: collapse; margin: 0.6em 0 1.4em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; vertical-align: middle; }
th:first-child, td:first-child, td.t { text-align: left; }
th { background: #f2f2f2; text-align: left; }
td.n, .nowrap { white-space: nowrap; } td.model { min-width: 12em; max-width: 22em; }
.typical { color: #1a7f37; font-weight: 600; } .exact { color: #1a7f37; font-weight: 600; }
.unusual { color: #9a6700; font-weight: 600; } .notseen { color: #b3261e; font-weight: 600; }
.no { color: #b3261e; font-weight: 600; }
.figs { display: flex; flex-wrap: wrap; gap: 1em; }
.figs figure { margin: 0; } .figs img { height: 340px; border: 1px solid #ddd; }
img.zoom { cursor: zoom-in; }
img.zoom.big { position: fixed; inset: 2vh 2vw; width: 96vw; height: 96vh; object-fit: contain;
               background: rgba(255, 255, 255, 0.97); z-index: 10; cursor: zoom-out;
               border: 1px solid #888; max-height: none; }
td img.strip { width: 330px; display: block; }
figcaption { font-size: 0.85em; color: #555; }
.note { color: #555; font-size: 0.9em; }
.howto { background: #f6f8fa; border: 1px solid #d0d7de; padding: 0.6em 1em; font-size: 0.92em; }
nav a { margin-right: 1em; }
"""
ZOOM = "this.classList.toggle('big')"  # a click enlarges a figure, a second click shrinks it
LEGEND = (
    "<b>Figures</b>: in decision boundaries and probability maps, <b>filled</b> markers are "
    "training points and <b>hollow</b> markers test points (E1 trains and scores on all its "
    "points). A figure shows the first seed's run unless its caption says otherwise; click a "
    "figure to enlarge it, click again to shrink it. <b>Spread</b> beside each verdict: a dot "
    "per run, the shaded box the central 90% with a line at the median, the red diamond the "
    "published value (the red band: its rounding interval).")
e = html.escape


def html_report(spec, rows, checks, store, seconds, median_runs=False):
    """The report's HTML text (see :func:`mlplab.study.report.write_report`)."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(spec.name)}</title>"
             f"<style>{STYLE}</style></head><body><h1>{e(spec.name)}</h1>"]
    if spec.description:
        parts.append(f"<p>{e(spec.description)}</p>")
    total = sum(len(r.seeds) + r.failed for r in rows)
    timing = f" in {seconds:.1f} s" if seconds is not None else ""
    parts.append(f"<p class='note'>{total} cells{timing}; tables give mean ± std over the "
                 "runs (test set unless named train).</p>")
    parts.append(f"<div class='howto'><p><b>Verdicts</b>: {RULE}</p><p>{LEGEND}</p></div>")
    studies = [part.name for part in spec.parts or (spec,)]
    if len(studies) > 1:
        parts.append("<nav>" + "".join(f"<a href='#part-{i}'>{e(name)}</a>"
                                       for i, name in enumerate(studies, start=1)) + "</nav>")
    if checks:
        parts.append(_summary_table(checks, studies))
    medians = _median_figures(spec, checks) if median_runs else {}
    for number, study in enumerate(studies, start=1):
        parts.append(f"<h2 id='part-{number}'>{e(study)}</h2>")
        own = [(row, v) for row, v in checks if row.study == study]
        if own:
            parts.append(_verdict_table(own))
        for (_, dataset), group in _by_dataset([r for r in rows if r.study == study]).items():
            parts.append(_dataset_section(dataset, group, store, medians))
    parts.append("</body></html>")
    return "".join(parts)


def _summary_table(checks, studies):
    """One line per published figure, the whole study at a glance."""
    lines = ["<h2>Published figures at a glance</h2><table><tr><th>experiment</th>"
             "<th>dataset</th><th>model</th><th>published</th><th>median of the runs "
             "[central 90%]</th><th>percentile</th><th>verdict</th></tr>"]
    for row, v in checks:
        part = studies.index(row.study) + 1
        lines.append(f"<tr><td class='t'><a href='#part-{part}'>{e(row.study)}</a></td>"
                     f"<td class='t'>{e(row.dataset)}</td><td class='t'>{e(row.model)}</td>"
                     f"<td>{v.reference.value:.3f}</td><td class='n'>{_median_text(v)}</td>"
                     f"<td>{'-' if v.deterministic else f'{v.percentile:.0f}'}</td>"
                     f"<td class='t'>{_verdict_word(v)}</td></tr>")
    lines.append("</table>")
    return "".join(lines)


def _median_text(verdict):
    s = verdict.spread
    if verdict.deterministic:
        return f"{s.median:.3f} (one run)"
    return f"{s.median:.3f} [{s.low:.3f}, {s.high:.3f}]"


def _modes(cells):
    if not cells["two modes"]:
        return ""
    return "<div class='note nowrap'>two modes:<br>" + "<br>".join(
        e(mode) for mode in cells["two modes"].split("; ")) + "</div>"


def _verdict_word(verdict):
    return f"<span class='{verdict.verdict.replace(' ', '')}'>{e(verdict.verdict)}</span>"


def _verdict_table(checks):
    """A part's published figures: every statistic of the rule, and the runs plotted."""
    lines = ["<h3>Published figures</h3><table><tr><th>dataset</th><th>model</th>"
             "<th>published</th><th>the runs</th><th>verdict</th><th>spread</th></tr>"]
    for row, v in checks:
        cells = verdict_cells(v)
        source = " · ".join(x for x in (v.reference.note, v.reference.source) if x)
        note = f"<div class='note'>{e(source)}</div>" if source else ""
        lines.append(f"<tr><td class='t'>{e(row.dataset)}</td><td class='t model'>"
                     f"{e(row.model)} <span class='note'>({e(v.reference.metric)})</span>"
                     f"{note}</td><td>{v.reference.value:.3f}</td>"
                     f"<td class='t n'>{_runs_text(cells)}</td>"
                     f"<td class='t'>{_verdict_word(v)}{_modes(cells)}</td>"
                     f"<td>{_strip(v)}</td></tr>")
    lines.append("</table>")
    return "".join(lines)


def _runs_text(cells):
    """The statistics of the runs, one per line."""
    deterministic = cells["runs"] == "1 (deterministic)"
    lines = ["1 run (deterministic)" if deterministic else f"{cells['runs']} runs",
             f"{'its value' if deterministic else 'median'} {cells['median']}"]
    if cells["percentile"] != "-":
        lines += [f"central 90%: {cells['central 90%']}",
                  f"mean {cells['mean (95% CI)'].replace(' (', ', 95% CI ').rstrip(')')}",
                  f"published at percentile {cells['percentile']}"]
    return "<br>".join(e(line) for line in lines)


def _strip(verdict):
    from mlplab.study.plots import strip_plot

    data = base64.b64encode(strip_plot(verdict)).decode("ascii")
    alt = e(f"{verdict.n_runs} runs of {verdict.reference.metric}; published "
            f"{verdict.reference.value}")
    return f"<img class='strip zoom' onclick=\"{ZOOM}\" src='data:image/png;base64,{data}' " \
           f"alt='{alt}'>"


def _dataset_section(dataset, group, store, medians):
    metrics = _metric_names(group)
    parts = [f"<h3>{e(group[0].study)}: {e(dataset)}</h3><table><tr><th>model</th>"
             "<th>runs</th>" + "".join(f"<th>{e(m)}</th>" for m in metrics) + "</tr>"]
    for row in group:
        label = f"{row.model} ({row.setting})" if row.setting else row.model
        failed = f" <span class='no'>{row.failed} failed</span>" if row.failed else ""
        runs = f"{len(row.seeds)}" + (" (deterministic)" if row.deterministic else "")
        parts.append(f"<tr><td>{e(label)}{failed}</td><td>{runs}</td>"
                     + "".join(f"<td>{_cell_text(row.values.get(m))}</td>" for m in metrics)
                     + "</tr>")
    parts.append("</table>")
    for row in group:
        for error in row.errors:
            parts.append(f"<p class='no'>{e(row.model)}: {e(error)}</p>")
    parts.append(_figures(group, store, medians))
    return "".join(parts)


def _figures(group, store, medians):
    figures = []
    for row in group:
        seed = f"seed {row.seeds[0]}" if row.seeds else ""
        shown = [(kind, png, seed) for kind, png in sorted(store.figures(row.first_key).items())]
        if row.first_key in medians:
            median_seed, images = medians[row.first_key]
            shown += [(kind, png, f"median run, seed {median_seed}")
                      for kind, png in sorted(images.items())]
        for kind, png, which in shown:
            data = base64.b64encode(png).decode("ascii")
            caption = e(" · ".join(x for x in (f"{row.model} {row.setting}".strip(), kind, which)
                                   if x))
            figures.append(f"<figure><img class='zoom' onclick=\"{ZOOM}\" "
                           f"src='data:image/png;base64,{data}' alt='{caption}'>"
                           f"<figcaption>{caption}</figcaption></figure>")
    return f"<div class='figs'>{''.join(figures)}</div>" if figures else ""


def _median_figures(spec, checks):
    """first seed's key -> (seed, {kind: png}) of each published setting's median run."""
    from mlplab.study.cell import run_cell

    cells = {cell["key"]: cell for cell in spec.cells()}
    found = {}
    for row, checked in groupby(checks, key=lambda pair: pair[0].first_key):
        row, verdict = next(checked)
        if len(row.seeds) < 3 or row.first_key not in cells:
            continue
        values = row.values[verdict.reference.metric]
        ranked = sorted(range(len(values)), key=lambda i: values[i])
        key = row.keys[ranked[(len(values) - 1) // 2]]  # the lower median for an even count
        kinds = list(spec_figures(spec, row.study))
        if key == row.first_key or key not in cells or not kinds:
            continue
        result = run_cell({**cells[key], "figures": kinds})
        if result["status"] == "done":
            found[row.first_key] = (cells[key]["seed"], {
                kind: base64.b64decode(image) for kind, image in result["figures"].items()})
    return found


def spec_figures(spec, study):
    """The figure kinds of the part of ``spec`` named ``study``."""
    for part in spec.parts or (spec,):
        if part.name == study:
            return part.figures
    return ()
