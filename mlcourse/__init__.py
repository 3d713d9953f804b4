"""Helper package for the *Fundamentals of ML Engineering* workbook.

Notebooks import what they need from here: ``from mlcourse import check, data``.
The command line (``mlcourse build | grade | doctor | bench``) lives in
:mod:`mlcourse.cli`.
"""

__version__ = "0.1.0"
