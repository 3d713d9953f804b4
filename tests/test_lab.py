"""JupyterLab shows each lesson once: the notebooks are listed, their Jupytext sources are hidden (and kept)."""

from __future__ import annotations

import json
import sys
import urllib.request

from mlcourse import servers
from mlcourse.course import ROOT
from mlcourse.workbook import lab

TOKEN = "course-test-token"


def test_setup_writes_the_server_config_that_hides_the_lesson_sources(tmp_path):
    lab.setup(tmp_path)
    config = json.loads(lab.server_config_path(tmp_path).read_text(encoding="utf-8"))
    assert "[0-9][0-9]_*.py" in config["ContentsManager"]["hide_globs"]
    assert "__pycache__" in config["ContentsManager"]["hide_globs"]  # Jupyter's own defaults are kept


def test_the_real_file_browser_lists_notebooks_but_not_their_sources(tmp_path):
    lab.setup(tmp_path)
    command = lambda port: [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",  # noqa: E731
                            "--ip=127.0.0.1", "--allow-root", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={ROOT}"]
    environment = {"JUPYTER_CONFIG_PATH": str(lab.server_config_path(tmp_path).parent)}
    with servers.running("jupyter-test", command, health="/api", env=environment) as server:
        with urllib.request.urlopen(f"{server.url}/api/contents/lessons?token={TOKEN}", timeout=30) as response:
            names = {entry["name"] for entry in json.load(response)["content"]}
    assert "03_gradient_descent.ipynb" in names  # `make test` builds the notebooks first
    assert not any(name.endswith(".py") for name in names), sorted(names)
    assert (ROOT / "lessons" / "03_gradient_descent.py").exists()  # hidden, not moved


def test_the_course_kernel_draws_with_the_course_palette(tmp_path):
    """Set once, in the kernel's environment: a notebook need not do anything to get it."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    printed: list[str] = []
    lab.setup(tmp_path)
    specs = KernelSpecManager(kernel_dirs=[str(lab.kernel_spec_path(tmp_path).parent.parent)])
    manager = KernelManager(kernel_name="mlcourse", kernel_spec_manager=specs)
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(
            "import matplotlib.pyplot as plt; c = plt.rcParams['axes.prop_cycle'].by_key(); "
            "print(c['color'][:3], len(set(map(str, c['linestyle']))) == len(c['color']))", timeout=60,
            output_hook=lambda message: printed.append(message["content"].get("text", "")))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    assert "".join(printed).split() == ["['#0072B2',", "'#E69F00',", "'#009E73']", "True"]

