"""Make JupyterLab open the course ready to use (``mlcourse setup``).

Two things stand between a learner and the first cell: a "Select Kernel"
dialog, and JupyterLab's offer of news and update checks. Registering the
course's kernel inside ``.venv`` (the kernel every generated notebook names)
and writing the app-wide settings override removes both.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ipykernel.kernelspec import install as install_kernelspec

from mlcourse.course import KERNEL_DISPLAY_NAME, KERNEL_NAME

QUIET_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def overrides_path(prefix: Path = Path(sys.prefix)) -> Path:
    """Where JupyterLab reads settings that apply to every user of this environment."""
    return prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def setup(prefix: Path = Path(sys.prefix)) -> list[str]:
    """Register the course kernel and quiet JupyterLab inside ``prefix`` (the venv)."""
    install_kernelspec(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY_NAME, prefix=str(prefix))
    path = overrides_path(prefix)
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(settings | QUIET_LAB_SETTINGS, indent=2) + "\n")
    return [f"registered the Jupyter kernel '{KERNEL_DISPLAY_NAME}'", f"wrote {path}"]
