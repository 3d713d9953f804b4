"""The course site's pages (`make site`; `make test` builds it after the suite and then runs this file).

Every lesson page is there with its header, outputs and figures (each with alt
text), and nothing is loaded from the network. How the site is made is tested
in tests/test_site_build.py, with the rest of the suite.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jupytext
import pytest

from mlcourse.course import LESSONS, ROOT
from mlcourse.workbook import site

AVAILABLE = [lesson for lesson in LESSONS if lesson.available(ROOT)]


class Page(HTMLParser):
    """The parts of a page these tests read: its images, scripts, stylesheets and text."""

    def __init__(self, path: Path):
        super().__init__()
        self.images: list[dict] = []
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.text: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.stylesheets.append(attrs.get("href", ""))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def built() -> Path:
    index = site.OUTPUT / "index.html"
    assert index.exists(), "the site is not built: run `make site` (`make test` builds it before the tests)"
    return site.OUTPUT


def page(built: Path, name: str) -> Page:
    path = built / f"{name}.html"
    assert path.exists(), f"{path} is missing: is it in mlcourse.workbook.site.PAGES?"
    return Page(path)


def figure_alts(source: Path) -> list[str]:
    """The alt text of each figure cell of a lesson source (jupytext metadata mystnb.image.alt)."""
    notebook = jupytext.read(source, fmt="py:percent")
    return [cell.metadata["mystnb"]["image"]["alt"] for cell in notebook.cells
            if cell.metadata.get("mystnb", {}).get("image", {}).get("alt")]


@pytest.mark.parametrize("name", ["README", "docs/instructor", "docs/developing", "data/README", "search", "genindex"])
def test_the_guides_and_the_search_page_are_there(built, name):
    assert page(built, name).text


@pytest.mark.parametrize("lesson", AVAILABLE, ids=lambda lesson: lesson.stem)
def test_each_lesson_page_shows_its_header_outputs_and_figures(built, lesson):
    shown = page(built, f"lessons/{lesson.stem}")
    text = " ".join(shown.text)
    for part in ("Questions", "Objectives", "Minutes"):
        assert part in text, f"lesson {lesson.stem}: its header's {part} is not on the page"
    html = (built / "lessons" / f"{lesson.stem}.html").read_text(encoding="utf-8")
    assert html.count('class="cell_output') >= 3, f"lesson {lesson.stem}: the page shows (almost) no outputs"
    for image in shown.images:
        assert image.get("alt", "").strip(), f"lesson {lesson.stem}: a figure without alt text ({image.get('src')}): " \
            'give its cell `mystnb={"image": {"alt": "what it shows"}}` on the `# %%` line'

        assert (built / "lessons" / image["src"]).resolve().is_file(), f"lesson {lesson.stem}: {image['src']} missing"
    alts = [image["alt"] for image in shown.images]
    for alt in figure_alts(ROOT / "lessons" / f"{lesson.stem}.py"):
        assert alt in alts, f"lesson {lesson.stem}: the figure described as {alt[:60]!r}... is not on the page"


@pytest.mark.parametrize("lesson", AVAILABLE, ids=lambda lesson: lesson.stem)
def test_exercises_are_shown_unsolved_and_solutions_without_their_markers(built, lesson):
    exercise = " ".join(page(built, f"exercises/{lesson.stem}").text)
    solution = " ".join(page(built, f"solutions/{lesson.stem}").text)
    assert "NotImplementedError" in exercise  # the stubs, not the answers
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "# STUB:"):
        assert marker not in solution and marker not in exercise


def test_the_navigation_lists_the_lessons_in_order(built):
    html = (built / "docs" / "index.html").read_text(encoding="utf-8")
    positions = [html.find(f'href="../lessons/{lesson.stem}.html"') for lesson in AVAILABLE]
    assert -1 not in positions and positions == sorted(positions)


def test_no_page_loads_a_script_or_stylesheet_from_the_network(built):
    external = re.compile(r"^(https?:)?//")
    for path in built.rglob("*.html"):
        shown = Page(path)
        for url in shown.scripts + shown.stylesheets:
            assert not external.match(url), f"{path.relative_to(built)} loads {url}: the site must work offline"


def test_formulas_are_typeset_by_the_sites_own_mathjax(built):
    shown = page(built, "lessons/02_linear_regression")
    mathjax = [src.split("?")[0] for src in shown.scripts if src.split("?")[0].endswith(site.MATHJAX_SCRIPT)]
    assert mathjax, "lesson 02 has formulas but does not load MathJax"
    assert (built / "lessons" / mathjax[0]).resolve().is_file()
    assert (built / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()


def test_the_search_index_knows_every_lesson(built):
    index = (built / "searchindex.js").read_text(encoding="utf-8")
    titles = json.loads(index[index.index("(") + 1:index.rindex(")")])["titles"]
    for lesson in AVAILABLE:
        assert any(title.startswith(f"{lesson.number:02d} ·") for title in titles), lesson.stem


def test_no_lesson_failed_to_run(built):
    reports = sorted((built / "reports").rglob("*.log")) if (built / "reports").exists() else []
    assert not reports, f"lessons that failed on the site, with their tracebacks: {reports}"
