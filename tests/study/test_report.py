"""The report reads in the study file's order, states its rule once, plots every
published figure's runs, escapes names alike in HTML and Markdown; study list counts an
including study's cells."""

import io
import re

import numpy as np
import pytest
from click.testing import CliRunner

from mlplab.cli import main
from mlplab.study import ResultStore, load_study, run_study, summarise, verdicts, write_report
from mlplab.study.spec import Reference
from mlplab.study.verdict import RULE, judge

ODD_NAME = "net | <b>bold</b> *star* [x]"
PART = '''
[study]
name = "{name}"
seeds = 4
metrics = ["accuracy", "fit_time"]
figures = ["boundary"]

[split]
test = 0.25
random_state = 0

[[datasets]]
name = "moons"
generator = "moons"
params = {{ n_samples = 80, noise = 0.2, random_state = 1 }}

[[models]]
name = "knn"
baseline = "knn"

[[models]]
name = "{net}"
hidden_layer_sizes = [6]
activation = "tanh"
learning_rate = 0.05
alpha = 0.0
batch_size = 16
epochs = 15

[[references]]
dataset = "moons"
model = "knn"
metric = "accuracy"
value = {knn}

[[references]]
dataset = "moons"
model = "{net}"
metric = "accuracy"
value = 0.8
note = "a <note> with | in it"
'''


@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    """Two parts, included as "second" then "first": the report must keep that order."""
    folder = tmp_path_factory.mktemp("combined")
    (folder / "b.toml").write_text(PART.format(name="second part", net="net", knn=0.9))
    (folder / "a.toml").write_text(PART.format(name="first part", net=ODD_NAME, knn=0.85))
    (folder / "all.toml").write_text('include = ["b.toml", "a.toml"]\n'
                                     '[study]\nname = "both"\n')
    spec = load_study(folder / "all.toml")
    database = folder / "all.sqlite"
    run_study(spec, database=database, jobs=2, force_jobs=True)
    return spec, database, folder


def test_sections_and_rows_follow_the_study_file(combined):
    spec, database, folder = combined
    with ResultStore(database) as store:
        rows = summarise(store, spec)
    assert [(r.study, r.model) for r in rows] == [
        ("second part", "knn"), ("second part", "net"), ("first part", "knn"),
        ("first part", ODD_NAME)]
    assert [r.deterministic for r in rows] == [True, False, True, False]
    assert [len(r.seeds) for r in rows] == [1, 4, 1, 4]
    text = write_report(spec, database, folder / "r.html").read_text()
    assert text.index("<h2 id='part-1'>second part") < text.index("<h2 id='part-2'>first part")


def test_the_rule_and_the_legend_are_stated_once_at_the_top(combined):
    spec, database, folder = combined
    text = write_report(spec, database, folder / "r.html").read_text()
    assert text.count(RULE) == 1
    assert text.index(RULE) < text.index("<table>")
    assert "<b>filled</b> markers are training points" in text
    assert "<b>hollow</b> markers test points" in text
    assert "onclick=\"this.classList.toggle('big')\"" in text  # a click enlarges


def test_every_published_figure_has_its_verdict_and_its_runs_plotted(combined):
    spec, database, folder = combined
    text = write_report(spec, database, folder / "r.html").read_text()
    assert text.count("class='strip zoom'") == 4
    assert "1 (deterministic)" in text
    with ResultStore(database) as store:
        checks = verdicts(summarise(store, spec), spec)
    knn = [v for row, v in checks if row.model == "knn"]
    assert [v.verdict in ("exact", "not seen") for v in knn] == [True, True]
    assert all(v.n_runs == 4 for row, v in checks if row.model != "knn")


def test_markdown_escapes_what_html_escapes(combined):
    spec, database, folder = combined
    html_text = write_report(spec, database, folder / "r.html").read_text()
    markdown = write_report(spec, database, folder / "r.md", fmt="markdown").read_text()
    assert "<b>bold</b>" not in html_text and "&lt;b&gt;bold&lt;/b&gt;" in html_text
    assert "<b>bold</b>" not in markdown and "&lt;b&gt;bold&lt;/b&gt;" in markdown
    assert r"net \| &lt;b&gt;bold&lt;/b&gt; \*star\* \[x\]" in markdown
    for line in markdown.splitlines():
        if line.startswith("| first part | moons | net"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]  # unescaped bars only
            assert len(cells) == 5 + 7
    assert markdown.index("## second part") < markdown.index("## first part")


def test_the_median_runs_figures_are_available(combined):
    spec, database, folder = combined
    text = write_report(spec, database, folder / "m.html", median_runs=True).read_text()
    with ResultStore(database) as store:
        row = next(r for r in summarise(store, spec) if r.model == "net")
    values = row.values["accuracy"]
    median_seed = row.seeds[sorted(range(len(values)), key=values.__getitem__)[1]]
    if median_seed == row.seeds[0]:
        assert "median run" not in text  # the first seed's figure is the median run's
    else:
        assert f"net · boundary · median run, seed {median_seed}" in text


def test_the_cli_draws_the_median_runs_when_asked(combined):
    from click.testing import CliRunner

    from mlplab.cli import main

    spec, database, folder = combined
    pages = {}
    for flag in ([], ["--median-runs"]):
        out = folder / f"cli{len(flag)}.html"
        result = CliRunner().invoke(main, ["study", "report", str(folder / "all.toml"), "--db",
                                           str(database), "--out", str(out), *flag])
        assert result.exit_code == 0, result.output
        pages[bool(flag)] = out.read_text(encoding="utf-8")
    assert pages[True] == write_report(spec, database, folder / "api.html",
                                       median_runs=True).read_text(encoding="utf-8")
    assert pages[False].count("<img") <= pages[True].count("<img")


def test_study_list_counts_the_parts_under_the_including_study(combined):
    spec, database, _ = combined
    with ResultStore(database) as store:
        listed = store.studies()
    assert [s.name for s in listed] == ["both"]
    both = listed[0]
    assert [p.name for p in both.parts] == ["second part", "first part"]
    assert both.cells == both.done == sum(p.cells for p in both.parts) == 2 * (1 + 4)
    result = CliRunner().invoke(main, ["study", "list", "--db", str(database)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    both_line = next(i for i, line in enumerate(lines) if "both" in line)
    assert re.search(r"\b10\b.*\b10\b.*\b0\b", lines[both_line])
    assert any("second part" in line and re.search(r"\b5\b", line) for line in lines)


def test_the_strip_plot_marks_the_runs_and_the_published_value():
    from matplotlib import image

    from mlplab.study.plots import PUBLISHED_COLOR, RUN_COLOR, strip_plot

    runs = np.linspace(0.80, 0.90, 20)
    png = strip_plot(judge(Reference("d", "m", "accuracy", 0.95), runs))
    pixels = image.imread(io.BytesIO(png))[:, :, :3]

    def columns_of(color):
        target = np.array([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
        near = np.all(np.abs(pixels - target) < 0.06, axis=2)
        return np.nonzero(near.any(axis=0))[0]

    red, blue = columns_of(PUBLISHED_COLOR), columns_of(RUN_COLOR)
    assert red.size and blue.size
    assert red.mean() > blue.max()  # the published 0.95 right of every run
