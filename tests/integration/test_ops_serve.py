"""`loket serve` as an operator runs it: a real gunicorn master with workers on a free port, against a
temporary SQLite database created with `loket init-db`; stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.helpers.reactivation import LOKET_CMD

pytestmark = pytest.mark.slow


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOKET_", "PROMETHEUS_"))}
    env.update(
        LOKET_ENV="development",
        LOKET_SECRET_KEY="serve-test-secret-key-long-enough-0123456789",
        LOKET_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
        LOKET_SMTP_URL=f"smtp://127.0.0.1:{free_port()}",
        PYTHONPATH=os.getcwd(),
        TMPDIR=str(tmp_path),
    )
    env.update(extra)
    return env


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


class Server:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [*LOKET_CMD, "serve", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _pump(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_ready(self, base: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("loket serve exited:\n" + "\n".join(self.err))
            try:
                if _get(base + "/healthz")[0] == 200:
                    return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.2)
        raise AssertionError("loket serve did not answer:\n" + "\n".join(self.err))

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        for t in self._threads:
            t.join(timeout=5)
        return code


def test_loket_serve_runs_gunicorn_with_health_metrics_and_request_log(tmp_path):
    env = _env(tmp_path, LOKET_METRICS_TOKEN="scrape-me")
    init = subprocess.run([*LOKET_CMD, "init-db"], env=env, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = Server(["--port", str(port), "--workers", "2", "--timeout", "20"], env)
    try:
        server.wait_ready(base)
        status, headers, body = _get(base + "/healthz", {"X-Request-ID": "serve-test-1"})
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert headers["X-Request-ID"] == "serve-test-1"
        status, _, body = _get(base + "/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ok", "checks": {"database": "ok"}})
        status, _, body = _get(base + "/")
        assert status == 200 and "Loket" in body
        for _ in range(20):
            assert _get(base + "/healthz")[0] == 200
        assert _get(base + "/metrics")[0] == 403

        # multi-process metrics: every /healthz so far is counted, whichever worker answered it
        # and whichever worker answers the scrape
        status, _, text = _get(base + "/metrics", {"Authorization": "Bearer scrape-me"})
        assert status == 200
        from prometheus_client.parser import text_string_to_metric_families

        counts = {
            s.labels["endpoint"]: s.value
            for f in text_string_to_metric_families(text)
            for s in f.samples
            if s.name == "loket_http_request_duration_seconds_count"
        }
        assert counts["health.healthz"] == 22  # wait_ready's first 200 + 1 + 20
    finally:
        code = server.terminate()
    assert code == 0, "\n".join(server.err)
    started = "\n".join(server.err)
    assert "2 workers, timeout 20 s" in started and f"127.0.0.1:{port}" in started
    assert "Booting worker" in started and "Shutting down" in started
    # the access log: one JSON object per request on stdout
    lines = [json.loads(line) for line in server.out if line.startswith("{")]
    tagged = [r for r in lines if r["request_id"] == "serve-test-1"]
    assert tagged and tagged[0]["endpoint"] == "health.healthz" and tagged[0]["status"] == 200
    assert {r["path"] for r in lines} >= {"/healthz", "/readyz", "/", "/metrics"}
    # the multi-process metrics folder it created is gone again
    metrics_dir = started.split("metrics in ")[1].split()[0]
    assert metrics_dir.startswith(str(tmp_path)) and not Path(metrics_dir).exists()


def test_loket_serve_refuses_production_without_shared_rate_limits(tmp_path):
    env = _env(tmp_path, LOKET_ENV="production")
    result = subprocess.run(
        [*LOKET_CMD, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Error: production refuses in-memory rate-limit storage" in result.stderr
    assert "Traceback" not in result.stderr


def test_gunicorn_options_follow_the_config(app):
    from loket.cli.serve import gunicorn_options

    opts = gunicorn_options(app, ["127.0.0.1:9000"], None, None)
    assert opts["workers"] == app.config["LOKET_WEB_WORKERS"]
    assert opts["timeout"] == 30 and opts["graceful_timeout"] == 30
    assert opts["preload_app"] is True
    assert (opts["max_requests"], opts["max_requests_jitter"]) == (1000, 100)
    assert opts["accesslog"] is None  # our JSON request log is the access log
    assert gunicorn_options(app, ["unix:/tmp/x.sock"], 3, 12)["workers"] == 3


def test_requests_under_loket_serve_never_share_a_logged_in_user(tmp_path):
    """`loket serve` runs inside the CLI's app context; the forked workers must not reuse it for
    requests, or ``g`` (Flask-Login's cached user) leaks into the next visitor's request."""
    import http.cookiejar
    import re

    env = _env(tmp_path)
    for args in (["init-db"], ["seed-demo", "--schools", "5", "--companies", "5"]):
        done = subprocess.run([*LOKET_CMD, *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = Server(["--port", str(port), "--workers", "1"], env)  # one worker: every request meets
    try:
        server.wait_ready(base)
        jar = http.cookiejar.CookieJar()
        teacher = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = teacher.open(base + "/inloggen", timeout=10).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"csrf_token": token, "email": "school@loket.demo", "password": "loket-demo"}
        ).encode()
        landed = teacher.open(base + "/inloggen", data=data, timeout=10)
        assert "/inloggen" not in landed.geturl(), "the demo teacher could not log in"
        assert teacher.open(base + "/account", timeout=10).geturl().endswith("/account")
        # a stranger without any cookie, right after, on the same worker
        for _ in range(3):
            status, _, body = _get(base + "/account")
            assert status == 200 and 'name="password"' in body, "a stranger must see the login page"
            assert "school@loket.demo" not in body
    finally:
        server.terminate()
