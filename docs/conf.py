"""Sphinx configuration of the course site (``make site``; see mlcourse/workbook/site.py).

The source folder is the repository itself, so the pages are made from the
files learners use: the Jupytext sources of the lessons, exercises and
solutions (executed, through the course kernel, with their outputs cached),
the README, the guides and the data sheet. Nothing is fetched at build or
read time: the theme ships its assets, and MathJax is served from the site.
"""

from mlcourse.workbook import site

project = "Fundamentals of ML Engineering"
author = "the course's authors"
copyright = "the course's authors, MIT License"

extensions = ["myst_nb", "sphinx.ext.githubpages"]  # githubpages: writes .nojekyll
root_doc = "docs/index"
include_patterns = site.PAGES
exclude_patterns = [".venv/**", ".cache/**", "_build/**", "**/.ipynb_checkpoints"]
html_extra_path = ["_extra"]  # index.html at the top of the site, pointing at the front page

# The Jupytext sources, read as notebooks: a solution without its answer markers, an exercise as the build makes it
nb_custom_formats = {".py": ["mlcourse.workbook.site.read_notebook", {}, False]}
nb_execution_mode = "cache"
nb_execution_cache_path = str(site.EXECUTION_CACHE)
nb_execution_timeout = site.EXECUTION_TIMEOUT_S
# Lessons run; an exercise is shown unsolved and a solution as code (`make test` grades every solution)
nb_execution_excludepatterns = ["exercises/*", "solutions/*"]
nb_execution_raise_on_error = False  # a failing notebook is a warning: with -W --keep-going every one is listed
nb_merge_streams = True
# Progress bars are widgets, whose renderer would load from a CDN: the site shows the finished cells without them
nb_ipywidgets_js = {}
nb_render_image_options = {"alt": ""}  # replaced per figure by the cell's mystnb.image.alt (a test checks)
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
mathjax_path = site.MATHJAX_SCRIPT  # copied into the site by site.copy_mathjax: no CDN
# MathJax's menu could switch on its speech explorer, which loads from a CDN; screen readers still get MathML
mathjax3_config = {"options": {"enableMenu": False}}

html_theme = "sphinx_book_theme"
html_title = project
html_show_sourcelink = False
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "home_page_in_toc": True,
}


def setup(app):
    app.connect("build-finished", site.copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
