"""The README as a package index shows it: every link absolute, and each one into the
repository names a file that is there (so no image or guide link breaks on the index page)."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.fixture(scope="module")
def index_readme():
    pytest.importorskip("hatch_fancy_pypi_readme")
    return subprocess.run([sys.executable, "-m", "hatch_fancy_pypi_readme",
                           str(ROOT / "pyproject.toml")], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout


def repository():
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    return urls["Source"].removeprefix("https://github.com/")


def test_every_link_of_the_index_readme_is_absolute(index_readme):
    links = LINK.findall(index_readme)
    assert len(links) >= 5  # the images and guides are there at all
    relative = [link for link in links if not re.match(r"https?://|#|mailto:", link)]
    assert relative == []


def test_links_into_the_repository_name_files_that_exist(index_readme):
    repo = repository()
    prefixes = (f"https://raw.githubusercontent.com/{repo}/main/",
                f"https://github.com/{repo}/blob/main/")
    inside = [link for link in LINK.findall(index_readme) if link.startswith(prefixes)]
    images = [link for link in inside if link.startswith(prefixes[0])]
    assert len(images) >= 4  # the gallery's pictures are shown on the index page
    for link in inside:
        path = link.split("/main/", 1)[1].split("#")[0]
        assert (ROOT / path).exists(), f"{link} names {path}, which is not in the repository"


def test_the_readme_in_the_clone_keeps_its_relative_links():
    text = (ROOT / "README.md").read_text()
    assert "](docs/gallery/" in text  # GitHub and a clone show these from the working tree
