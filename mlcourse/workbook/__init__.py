"""The course machinery: the ``mlcourse`` command and what only it uses (build, grade, doctor, bench, lab).

Lessons never import from here; the helpers they use are the modules beside
this package in ``mlcourse/``.
"""

import sys

# jsonschema, which nbformat loads, builds a grammar for IRI strings at import when the optional
# `rfc3987-syntax` package is installed (JupyterLab brings it): 1.4 s per process, for a format no
# notebook uses. Every grading worker pays it, so the machinery does without that one format check.
sys.modules.setdefault("rfc3987_syntax", None)
