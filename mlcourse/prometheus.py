"""A real Prometheus server for lesson 14, where one is installed (an optional extra).

pip cannot install Prometheus (it is a Go program), so like Java for Spark it
is optional: Debian and Ubuntu have it as ``apt-get install prometheus``,
macOS as ``brew install prometheus``, and prometheus.io has release binaries.
:func:`missing` says in one line what to do when it is not there, and the
lesson and the tests skip this part with that line.

:func:`start` runs it on 127.0.0.1 and a free port through
:mod:`mlcourse.servers`, with a scrape config for the course's model server
and a rules file, storage in a scratch folder, and a one-second scrape and
evaluation interval (a real setup scrapes every 15 to 60 s). :func:`query`
asks its HTTP API a PromQL question, :func:`alerts` for the alerts' states.
Grafana sits on top in practice: it draws dashboards from the same PromQL,
and Alertmanager routes the alerts that fire to e-mail or a pager.
"""

from __future__ import annotations

import http.client
import json
import shutil
import urllib.parse
from pathlib import Path

import yaml

from mlcourse import servers

INSTALL_HINT = "apt-get install prometheus (Debian, Ubuntu, WSL), brew install prometheus (macOS), or prometheus.io"


def binary() -> str | None:
    """Where the ``prometheus`` program is, or None."""
    return shutil.which("prometheus")


def missing() -> str | None:
    """None when Prometheus is installed, else the one line that says so and how to install it."""
    if binary():
        return None
    return f"Prometheus is not installed (optional: the real-Prometheus part is skipped); to add it: {INSTALL_HINT}"


def write_config(folder: Path, target: str, rules: list[dict], interval_s: float = 1.0) -> Path:
    """Write ``prometheus.yml`` (scraping ``target``, host:port) and ``rules.yml`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    every = f"{round(interval_s * 1000)}ms"  # Prometheus's durations take whole units: 500ms, not 0.5s
    (folder / "rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "course", "rules": rules}]}),
                                      encoding="utf-8")
    config = {"global": {"scrape_interval": every, "evaluation_interval": every},
              "rule_files": [str(folder / "rules.yml")],
              "scrape_configs": [{"job_name": "model", "static_configs": [{"targets": [target]}]}]}
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def command(port: int, config: Path, storage: Path) -> list[str]:
    """The argv that runs Prometheus on 127.0.0.1:``port`` with ``config``, keeping its data in ``storage``."""
    program = binary()
    if program is None:
        raise RuntimeError(missing())
    return [program, f"--config.file={config}", f"--storage.tsdb.path={storage}",
            f"--web.listen-address={servers.HOST}:{port}", "--log.level=warn"]


def start(folder: Path, target: str, rules: list[dict], port: int | None = None,
          interval_s: float = 1.0) -> servers.Server:
    """Start Prometheus scraping ``target`` with ``rules``; return once ``/-/ready`` answers."""
    config = write_config(folder, target, rules, interval_s)
    return servers.start("prometheus", lambda free: command(free, config, folder / "data"), port=port,
                         health="/-/ready", timeout=60)


def _get(server: servers.Server, path: str) -> dict:
    connection = http.client.HTTPConnection(servers.HOST, server.port, timeout=10)
    try:
        connection.request("GET", path)
        answer = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    if answer.get("status") != "success":
        raise RuntimeError(f"Prometheus answered {answer.get('errorType')}: {answer.get('error')}")
    return answer["data"]


def query(server: servers.Server, promql: str) -> list[dict]:
    """The result of an instant PromQL query: a list of {"metric": labels, "value": [time, "number"]}."""
    return _get(server, "/api/v1/query?" + urllib.parse.urlencode({"query": promql}))["result"]


def alerts(server: servers.Server) -> dict[str, str]:
    """Each alert's name and state ("pending" or "firing"); an inactive alert is not listed."""
    return {alert["labels"]["alertname"]: alert["state"] for alert in _get(server, "/api/v1/alerts")["alerts"]}


def wait_for(server: servers.Server, promql: str, at_least: float, timeout: float = 5.0) -> bool:
    """Wait until ``promql``'s first value reaches ``at_least`` (a scrape has seen the traffic); False on timeout."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = query(server, promql)
        if result and float(result[0]["value"][1]) >= at_least:
            return True
        time.sleep(0.05)
    return False
