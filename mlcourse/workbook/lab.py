"""Make JupyterLab open the course ready to use (``mlcourse setup``).

Three things stand between a learner and the first cell: a "Select Kernel"
dialog, JupyterLab's offer of news and update checks, and every lesson shown
twice in the file browser, as the notebook and as its Jupytext source
(``03_gradient_descent.py``), where an edit goes to the source instead of the
notebook. Registering the course's kernel inside ``.venv`` (the kernel every
generated notebook names), writing the app-wide settings override, and hiding
the lesson sources in the server's configuration remove all three. The
sources stay where they are; only the file browser stops listing them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ipykernel.kernelspec import install as install_kernelspec

from mlcourse.course import KERNEL_DISPLAY_NAME, KERNEL_NAME

# The course's figure style (colour-blind-safe colours, a dash pattern per line), set once for every notebook
FIGURE_STYLE = Path(__file__).resolve().parents[1] / "matplotlibrc"

QUIET_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


# Jupyter Server's own defaults, plus the course's sources: lessons, exercises and solutions are NN_name.py
HIDDEN_IN_LAB = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "[0-9][0-9]_*.py"]


def server_config_path(prefix: Path = Path(sys.prefix)) -> Path:
    """Where Jupyter Server reads configuration that applies to every user of this environment."""
    return prefix / "etc" / "jupyter" / "jupyter_server_config.json"


def overrides_path(prefix: Path = Path(sys.prefix)) -> Path:
    """Where JupyterLab reads settings that apply to every user of this environment."""
    return prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def _update_json(path: Path, change) -> None:
    """Apply ``change`` to the JSON object in ``path`` (empty if there is none yet), keeping what others wrote."""
    path.parent.mkdir(parents=True, exist_ok=True)
    content = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    change(content)
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def kernel_spec_path(prefix: Path = Path(sys.prefix)) -> Path:
    """The course kernel's spec: how Jupyter starts it, and with which environment variables."""
    return prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json"


def _course_kernel(spec: dict) -> None:
    """The course's figure style in the kernel's environment; the kernel's own log quiet below errors.

    Jupyter clients that do not provision transport keys (nbclient, as the site
    build and nbval use it) make every kernel warn at start that it runs over
    TCP without encryption: on 127.0.0.1, nothing a learner can act on.
    """
    spec.setdefault("env", {}).update(MATPLOTLIBRC=str(FIGURE_STYLE))
    quiet = "--IPKernelApp.log_level=ERROR"
    if quiet not in spec["argv"]:
        spec["argv"].append(quiet)


def setup(prefix: Path = Path(sys.prefix)) -> list[str]:
    """Register the course kernel and quiet JupyterLab inside ``prefix`` (the venv)."""
    install_kernelspec(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY_NAME, prefix=str(prefix))
    _update_json(kernel_spec_path(prefix), _course_kernel)
    path, config = overrides_path(prefix), server_config_path(prefix)
    _update_json(path, lambda settings: settings.update(QUIET_LAB_SETTINGS))
    _update_json(config, lambda present: present.setdefault("ContentsManager", {}).update(hide_globs=HIDDEN_IN_LAB))
    return [f"registered the Jupyter kernel '{KERNEL_DISPLAY_NAME}' (its figures use {FIGURE_STYLE.name})", f"wrote {path}",
            f"wrote {config} (the file browser lists each lesson once, as its notebook)"]
