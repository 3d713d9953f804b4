"""The one helper that starts every course server: free port, health check, log, always stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request

import psutil
import pytest

from mlcourse import servers
from mlcourse.errors import CourseError
from mlcourse.workbook import doctor

# A tiny HTTP server with a /health route that also starts a worker process, as MLflow and uvicorn do.
SERVER = textwrap.dedent("""
    import http.server, subprocess, sys
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()
            self.wfile.write(str(worker.pid).encode())
        def log_message(self, *args):
            print("request", self.path, flush=True)
    print("listening", flush=True)
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
""")


def command(port: int) -> list[str]:
    return [sys.executable, "-c", SERVER, str(port)]


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setattr(servers, "REGISTRY_DIR", tmp_path / "servers")
    monkeypatch.setattr(servers, "LOG_DIR", tmp_path / "logs")
    monkeypatch.setenv("MLCOURSE_STATE_DIR", str(tmp_path))
    return tmp_path


def worker_pid(server: servers.Server) -> int:
    with urllib.request.urlopen(server.url + "/health", timeout=5) as response:
        return int(response.read())


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_server_runs_on_a_free_local_port_logs_to_a_file_and_stops_with_its_workers():
    with servers.running("demo", command) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.alive()
        worker = worker_pid(server)
        assert not gone(worker) and server.registry_file.exists()
        assert [entry["pid"] for entry in servers.leftovers()] == [server.pid]
    assert gone(server.pid) and gone(worker), "the server or its worker outlived the with block"
    assert not server.registry_file.exists() and servers.leftovers() == []
    assert "listening" in server.log_path.read_text(encoding="utf-8") and "request /health" in server.log_path.read_text(encoding="utf-8")


def test_a_failing_cell_inside_the_block_still_stops_the_server():
    with pytest.raises(ZeroDivisionError), servers.running("demo", command) as server:
        worker = worker_pid(server)
        1 / 0  # noqa: B018 (the failing cell)
    assert gone(server.pid) and gone(worker)


def test_a_port_already_in_use_is_refused_with_a_message_that_says_what_to_do():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CourseError, match=f"port {port} is already in use.*mlcourse servers"):
            servers.start("demo", command, port=port)
    assert servers.leftovers() == []


def test_a_server_that_exits_at_once_is_reported_with_the_end_of_its_log():
    crash = [sys.executable, "-c", "import sys; print('cannot open the store'); sys.exit(3)"]
    with pytest.raises(CourseError, match="(?s)exited with status 3.*cannot open the store"):
        servers.start("broken", crash)
    assert servers.leftovers() == []


def test_a_server_that_never_answers_its_health_check_is_stopped_after_the_timeout():
    silent = [sys.executable, "-c", "import time; print('starting', flush=True); time.sleep(600)"]
    started = time.monotonic()
    with pytest.raises(CourseError, match="(?s)did not answer .*/health within 1 s.*starting"):
        servers.start("silent", silent, timeout=1)
    assert time.monotonic() - started < 15
    assert servers.leftovers() == []


def test_servers_are_stopped_when_python_exits_without_stopping_them(state):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from mlcourse import servers
        from tests.test_servers import command
        server = servers.start("forgotten", command)
        print(server.pid, flush=True)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "MLCOURSE_STATE_DIR": str(state)})
    pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(pid), "a server outlived the Python process that started it"


def test_a_server_left_by_a_killed_process_is_listed_by_doctor_and_stopped_by_the_command(state):
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from mlcourse import servers
        from tests.test_servers import command
        server = servers.start("yesterday", command)
        print(server.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # no atexit: the server is left running
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "MLCOURSE_STATE_DIR": str(state)})
    pid = int(done.stdout.split()[0])
    try:
        assert [entry["name"] for entry in servers.leftovers()] == ["yesterday"]
        verdict = doctor.servers_left_running()
        assert verdict.warning and "yesterday" in verdict.detail
        cli = subprocess.run([sys.executable, "-m", "mlcourse", "servers", "--stop"], capture_output=True, text=True,
                             timeout=60, env={**os.environ, "MLCOURSE_STATE_DIR": str(state)})
        assert cli.returncode == 0 and "stopped: yesterday at http://127.0.0.1:" in cli.stdout
        assert gone(pid) and servers.leftovers() == []
    finally:
        if not gone(pid):
            os.killpg(pid, 9)


def test_doctor_lists_a_running_course_server_and_says_how_to_stop_it():
    with servers.running("demo", command) as server:
        verdict = doctor.servers_left_running()
        assert verdict.ok and verdict.warning and str(server.pid) in verdict.detail
        assert "mlcourse servers --stop" in doctor.report([verdict])
    assert not doctor.servers_left_running().warning


def test_a_reused_pid_is_not_mistaken_for_a_course_server(state):
    (state / "servers").mkdir(parents=True)
    (state / "servers" / f"{os.getpid()}.json").write_text(
        f'{{"name": "old", "pid": {os.getpid()}, "created": 0, "url": "http://127.0.0.1:1", "log": "x"}}', encoding="utf-8")
    assert servers.leftovers(state / "servers") == []
    assert not (state / "servers" / f"{os.getpid()}.json").exists()
