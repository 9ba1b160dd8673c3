"""Exposure: a token off loopback, trusted host names, same-site writes, security headers."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from milimo.app import create_app
from milimo.config import Settings
from milimo.exposure.guard import COOKIE
from tests.conftest import free_port

TOKEN = "correct-horse-battery-staple-42"


@pytest.fixture
def locked(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", log_level="warning", auth_token=TOKEN)
    with TestClient(create_app(settings)) as c:
        yield c


def serve_off_loopback(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`milimo serve --host 0.0.0.0` with this environment, expected to refuse to start."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "milimo.cli",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
            "--data-dir",
            str(tmp_path / "d"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_off_loopback_without_a_token_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MILIMO_AUTH_TOKEN"}
    r = serve_off_loopback(tmp_path, env)
    assert r.returncode == 2
    assert "MILIMO_AUTH_TOKEN" in r.stderr and "secrets.token_urlsafe" in r.stderr
    r = serve_off_loopback(tmp_path, {**env, "MILIMO_AUTH_TOKEN": "short"})
    assert r.returncode == 2 and "at least 16 characters" in r.stderr


@pytest.mark.parametrize(
    "path", ["/projects", "/events", "/docs", "/openapi.json", "/engines", "/models", "/projects/abc/generated/x.mp4"]
)
def test_every_route_needs_the_token(locked, path):
    r = locked.get(path)
    assert r.status_code == 401, (path, r.status_code)
    assert r.json()["code"] == "unauthorized" and r.headers["www-authenticate"].startswith("Bearer")
    wrong = locked.get(path, headers={"authorization": "Bearer " + TOKEN[:-1] + "x"})
    assert wrong.status_code == 401


def test_bearer_and_login_cookie_both_work(locked):
    assert locked.get("/projects", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    # The login page is public; a wrong token is refused and sets nothing.
    page = locked.get("/login")
    assert page.status_code == 200 and 'name="token"' in page.text
    bad = locked.post("/login", data={"token": "nope", "next": "/"}, follow_redirects=False)
    assert bad.status_code == 401 and COOKIE not in bad.cookies
    good = locked.post("/login", data={"token": TOKEN, "next": "https://evil.example/"}, follow_redirects=False)
    assert good.status_code == 303 and good.headers["location"] == "/", "no open redirect"
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and TOKEN not in cookie
    assert locked.get("/projects").status_code == 200, "the client now holds the cookie"
    assert locked.post("/logout").status_code == 204
    locked.cookies.clear()
    assert locked.get("/projects").status_code == 401
    # The web app's JSON login
    assert locked.post("/login", json={"token": TOKEN}).status_code == 204
    assert locked.get("/projects").status_code == 200


def test_a_browser_navigation_without_the_token_goes_to_the_login_page(locked):
    r = locked.get("/docs", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_health_tells_strangers_no_paths(locked, tmp_path):
    body = locked.get("/health").json()
    assert body == {"status": "ok", "version": body["version"]}
    full = locked.get("/health", headers={"authorization": f"Bearer {TOKEN}"}).json()
    assert full["data_dir"].startswith(str(tmp_path))


def test_sse_authenticates_by_the_cookie_on_a_real_server(server_factory, tmp_path):
    server = server_factory(tmp_path / "data", env={"MILIMO_AUTH_TOKEN": TOKEN})
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/events").status_code == 401
        assert http.post("/login", json={"token": TOKEN}).status_code == 204
        cookie = http.cookies[COOKIE]
    with (
        httpx.Client(base_url=server.url, timeout=httpx.Timeout(5, read=None), cookies={COOKIE: cookie}) as http,
        http.stream("GET", "/events") as r,
    ):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert next(r.iter_lines()).startswith("retry:")


def test_a_host_name_that_is_not_ours_is_refused(client):
    r = client.get("/projects", headers={"host": "attacker.example:8000"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_host"
    assert client.get("/projects", headers={"host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/projects", headers={"host": "localhost"}).status_code == 200


def test_the_default_hosts_are_loopback_and_the_bind_address(tmp_path):
    from milimo.exposure.guard import host_allowed, trusted_hosts

    hosts = trusted_hosts(Settings(data_dir=tmp_path, allowed_hosts=[]))
    assert host_allowed(hosts, "127.0.0.1:8000") and host_allowed(hosts, "[::1]:8000") and host_allowed(hosts, "localhost")
    assert not host_allowed(hosts, "rebind.attacker.example") and not host_allowed(hosts, "testserver")
    assert host_allowed(trusted_hosts(Settings(data_dir=tmp_path, allowed_hosts="*.lan")), "studio.lan:8000")
    assert host_allowed(trusted_hosts(Settings(data_dir=tmp_path, allowed_hosts="*")), "anything")


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/models/ltx2-dev/download"),
        ("POST", "/upload"),
        ("POST", "/jobs/job_x/cancel"),
        ("POST", "/engines/refresh"),
        ("POST", "/projects"),
        ("DELETE", "/projects/p1"),
    ],
)
def test_cross_site_writes_are_refused(client, method, path):
    for origin in ({"origin": "https://evil.example"}, {"origin": "null"}, {"referer": "https://evil.example/page"}):
        r = client.request(method, path, headers=origin)
        assert r.status_code == 403, (path, origin, r.status_code)
        assert r.json()["code"] == "cross_site"


def test_same_site_and_dev_server_writes_pass(client):
    own = client.post("/projects", json={"name": "x"}, headers={"origin": "http://testserver"})
    assert own.status_code == 201
    dev = client.post("/projects", json={"name": "y"}, headers={"origin": "http://localhost:5173"})
    assert dev.status_code == 201
    assert client.get("/projects", headers={"origin": "https://evil.example"}).status_code == 200, "reads are not CSRF"


@pytest.mark.parametrize("path", ["/health", "/projects", "/nope", "/docs"])
def test_security_headers_are_on_every_response(client, path):
    r = client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "same-origin" and r.headers["x-frame-options"] == "DENY"


def test_headers_are_on_rejections_too(client):
    r = client.get("/projects", headers={"host": "evil.example"})
    assert r.status_code == 400 and r.headers["x-content-type-options"] == "nosniff"


def test_an_uploaded_media_file_is_served_with_nosniff(client, project):
    """A PNG with HTML after its end (a polyglot) is served as the image it is, and the browser may not sniff it
    into a page: whole, as a range (video seeking), to HEAD and when not modified."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buf, "PNG")
    polyglot = buf.getvalue() + b"<html><script>alert(document.cookie)</script></html>"
    r = client.post("/upload", data={"project_id": project["id"]}, files={"file": ("p.png", polyglot, "image/png")})
    assert r.status_code == 201, r.text
    url = r.json()["url"]
    whole = client.get(url)
    assert whole.status_code == 200 and whole.headers["content-type"] == "image/png"
    answers = [
        whole,
        client.get(url, headers={"range": "bytes=0-7"}),
        client.head(url),
        client.get(url, headers={"if-none-match": whole.headers["etag"]}),
    ]
    assert [a.status_code for a in answers] == [200, 206, 200, 304]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
