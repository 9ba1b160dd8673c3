"""A minimal Hugging Face Hub over HTTP on 127.0.0.1: repo info, tree listing, resolve (HEAD, GET, Range).

Enough for huggingface_hub.snapshot_download with HF_HUB_DISABLE_XET=1. Files are served in
64 KiB writes with an optional pause, so a test can cancel in the middle of a file.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

SHA = "a" * 40


class HubHandler(BaseHTTPRequestHandler):
    repo = "acme/tiny"
    files: dict[str, bytes] = {}
    pause_s = 0.0
    log: list[tuple[str, str, str | None]] = []

    def log_message(self, *args) -> None:
        pass

    def _json(self, obj, status: int = 200) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _serve(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        HubHandler.log.append((self.command, path, self.headers.get("Range")))
        if path.startswith(f"/api/models/{self.repo}/revision/"):
            return self._json({"id": self.repo, "sha": SHA, "siblings": [{"rfilename": f} for f in self.files]})
        if path.startswith(f"/api/models/{self.repo}/tree/"):
            return self._json(
                [{"type": "file", "path": f, "size": len(c), "oid": hashlib.sha1(c).hexdigest()} for f, c in self.files.items()]
            )
        prefix = f"/{self.repo}/resolve/"
        if not path.startswith(prefix):
            return self._json({"error": f"unknown {path}"}, 404)
        content = self.files.get(path[len(prefix) :].split("/", 1)[1])
        if content is None:
            return self._json({"error": "entry not found"}, 404)
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
        chunk = content[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(chunk)))
        self.send_header("X-Repo-Commit", SHA)
        self.send_header("ETag", '"' + hashlib.sha1(content).hexdigest() + '"')
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(content) - 1}/{len(content)}")
        self.end_headers()
        if not body:
            return
        try:
            for i in range(0, len(chunk), 65536):
                self.wfile.write(chunk[i : i + 65536])
                if self.pause_s:
                    time.sleep(self.pause_s)
        except (BrokenPipeError, ConnectionResetError):
            pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


def serve(repo: str, files: dict[str, bytes], pause_s: float = 0.0) -> tuple[str, QuietServer]:
    HubHandler.repo, HubHandler.files, HubHandler.pause_s = repo, files, pause_s
    HubHandler.log = []
    server = QuietServer(("127.0.0.1", 0), HubHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server
