"""MkDocs hooks for the mlplab site (see ``hooks:`` in mkdocs.yml).

- The example notebooks live in ``examples/notebooks/`` (jupytext ``.py`` sources and the
  ``.ipynb`` files that ``examples/build_notebooks.py`` writes with a full run's outputs),
  outside ``docs/``: the ``.ipynb`` are added to the site here, and mkdocs-jupyter renders
  them as they are (no run at build time, so no page shows a shortened run's numbers).
- The Colab badge's image is dropped from the pages (a page fetches nothing from outside);
  its link stays.
- The docstrings cross-reference in Sphinx's words (:class:`Dense`); mkdocstrings leaves
  the role as text, so it is dropped here and the name stays as code.
- nbconvert's page template loads MathJax from a CDN; the notebooks have no maths, so the
  script is dropped and a page fetches nothing from outside when it is viewed.
"""

import re
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "examples" / "notebooks"
# <script src="https://..."> </script> tags that nbconvert's templates add (MathJax, require.js).
REMOTE_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>')

# :class:`~mlplab.engine.model.Sequential` as mkdocstrings renders it; "~" shows the last part.
SPHINX_ROLE = re.compile(r":(?:class|meth|func|mod|attr|exc|data|obj):<code>(~?)([^<]*)</code>")


def _code_name(match):
    tilde, name = match.groups()
    return f"<code>{name.rsplit('.', 1)[-1] if tilde else name}</code>"


@event_priority(100)  # before mkdocs-jupyter's on_files, which claims the notebooks
def on_files(files, config):
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        # A real file under the repository root (not File.generated: mkdocs-jupyter reads
        # abs_src_path, which only a file with a src_dir has).
        src_uri = path.relative_to(ROOT).as_posix()
        files.append(File(src_uri, str(ROOT), config.site_dir, config.use_directory_urls))
    return files


# The badge of the notebooks' first cell, as nbconvert renders its Markdown.
COLAB_BADGE = re.compile(r'<img[^>]*src="https://colab\.research\.google\.com/[^"]*"[^>]*>')


def on_page_content(html, page, config, files):
    if _is_notebook(page):
        html = COLAB_BADGE.sub("Open in Colab", html)
    return SPHINX_ROLE.sub(_code_name, html)


def on_post_page(output, page, config):
    if _is_notebook(page):
        output = REMOTE_SCRIPT.sub("", output)
    return output


def _is_notebook(page):
    return page.file.src_uri.startswith("examples/notebooks/")
