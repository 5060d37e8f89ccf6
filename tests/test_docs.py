"""The documentation site builds with warnings as errors, and its generated pages hold what
they are generated for: the API from the docstrings, the CLI's help, the notebooks' figures."""

import base64
import html as html_module
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings")
pytest.importorskip("mkdocs_click")
pytest.importorskip("mkdocs_jupyter")

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.py"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site_dir = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # the notebooks are not run: shown
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-6000:]}"
    return site_dir


def page_text(site, page):
    """The visible text of one page's article, without tags."""
    html = (site / page / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    article = re.sub(r"<(script|style)\b.*?</\1>", "", article, flags=re.S)
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", "", article)))


def inline_pngs(html):
    return re.findall(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"', html)


def test_api_reference_renders_the_docstrings(site):
    text = page_text(site, "reference/engine")
    assert "Sequential" in text
    fit = text[text.index("Train the network."):]  # Sequential.fit's docstring
    parameters = fit[:fit.index("Returns")]
    assert "Parameters" in parameters
    for name in ("epochs", "batch_size", "validation_split", "callbacks"):
        assert name in parameters, f"Sequential.fit's parameter {name} is not in the page"
    assert "full-batch gradient descent" in parameters
    for page, name in (("mlplab", "Sequential"), ("data", "make_dataset"),
                       ("viz", "plot_decision_boundary"), ("study", "load_study"),
                       ("estimator", "NetClassifier"), ("baselines", "make_model"),
                       # functions named like their modules, documented explicitly:
                       ("data", "Split (X, y) into train, validation and test parts"),
                       ("engine", "backprop on (X, y) against central differences"),
                       ("engine", "Trace one sample")):
        assert name in page_text(site, f"reference/{page}")


def test_cli_page_shows_each_commands_help(site):
    from click.testing import CliRunner

    from mlplab.cli import main

    text = page_text(site, "guide/cli")
    help_text = CliRunner().invoke(main, ["study", "run", "--help"]).output
    assert "Run every missing cell of STUDY_FILE, then write its HTML report." in text
    assert "mlplab study run [OPTIONS] STUDY_FILE" in text
    for line in help_text.splitlines():  # every option of `study run`, as --help words it
        option = re.match(r"\s+(--[a-z-]+)", line)
        if option:
            assert option.group(1) in text
    for command in main.commands:
        assert f"mlplab {command}" in text


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_page_shows_its_full_run_with_its_figures(site, notebook):
    html = (site / "examples" / "notebooks" / notebook.stem / "index.html").read_text(
        encoding="utf-8")
    assert "jp-OutputArea-output" in html, f"{notebook.name}: no cell output in its page"
    assert not re.search(r'<script[^>]+src="https?://', html), "a script from the network"
    if "viz." not in notebook.read_text(encoding="utf-8"):
        return  # backprop by hand prints a trace and draws nothing
    images = inline_pngs(html)
    assert images, f"{notebook.name}: no inline figure in its page"
    assert base64.b64decode(images[0]).startswith(PNG_SIGNATURE)


def test_backprop_notebook_shows_the_trace(site):
    text = page_text(site, "examples/notebooks/backprop_by_hand")
    assert "Backprop trace of one sample through a 2-4-3-1 network" in text
    assert "dL/dW1" in text


def test_performance_page_shows_the_readme_s_latest_run(site):
    # The page includes the README's section (pymdownx.snippets): one table, kept once.
    text = page_text(site, "guide/performance")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_row = re.search(r"^\| P: (.+?) \|", readme, flags=re.M).group(1)
    assert f"P: {first_row}" in text
    assert "--8<--" not in text and "[start:performance]" not in text
