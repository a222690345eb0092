"""fetch-genesis and redirects: credentials never leave the host they were meant for (issue 17).

Before the fix a 302 from the service to another host made urllib send the ``username`` and
``password`` headers there, the other host's body was stored as the table and the provenance
sidecar recorded the original URL with status 200. Two loopback servers stand for the two hosts
(127.0.0.1 and 127.0.0.2); nothing reaches the internet.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evaluation.errors import InputError
from evaluation.io.genesis_api import fetch_table

TABLE = b"GENESIS-Tabelle: 13211-02-05-4;\n"
PATH = "/genesisWS/rest/2020/data/tablefile"


class Host:
    """A loopback HTTP server that records every request and answers by a rule."""

    def __init__(self, address: str, answer):
        self.requests: list[dict] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length", 0) or 0)
                if length:
                    self.rfile.read(length)
                host.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
                status, headers, body = answer(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve  # noqa: N815 - http.server API

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.origin = f"http://{address}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("GENESIS_USERNAME", "tester")
    monkeypatch.setenv("GENESIS_PASSWORD", "s3cret")


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirect_to_another_host_is_refused_and_sends_no_credentials(tmp_path, credentials, code):
    with Host("127.0.0.2", lambda path: (200, {"Content-Type": "text/csv"}, b"evil;table\n")) as other:
        target = f"{other.origin}/steal"
        with Host("127.0.0.1", lambda path: (code, {"Location": target}, b"")) as service:
            with pytest.raises(InputError) as err:
                fetch_table("13211-02-05-4", base_url=f"{service.origin}/genesisWS/rest/2020/",
                            out_dir=tmp_path / "raw", timeout=10)
    message = str(err.value)
    assert "redirect" in message and "127.0.0.2" in message and f"HTTP {code}" in message
    assert "s3cret" not in message and "tester" not in message
    assert all("password" not in {k.lower() for k in r["headers"]} for r in other.requests)
    assert all("username" not in {k.lower() for k in r["headers"]} for r in other.requests)
    assert other.requests == []  # not even asked
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").iterdir())


def test_redirect_on_the_same_host_is_followed_and_recorded(tmp_path, credentials):
    def answer(path):
        if path == PATH:
            return 307, {"Location": "/genesisWS/rest/2020/data/tablefile2"}, b""
        return 200, {"Content-Type": "text/csv"}, TABLE

    with Host("127.0.0.1", answer) as service:
        result = fetch_table("13211-02-05-4", base_url=f"{service.origin}/genesisWS/rest/2020/",
                             out_dir=tmp_path / "raw", timeout=10)
    assert result.path.read_bytes() == TABLE
    assert [r["method"] for r in service.requests] == ["POST", "POST"]  # 307 keeps the method and form
    provenance = json.loads(result.sidecar.read_text(encoding="utf-8"))
    assert provenance["url"] == f"{service.origin}{PATH}"
    assert provenance["final_url"] == f"{service.origin}/genesisWS/rest/2020/data/tablefile2"
    assert provenance["http_status"] == 200
    assert provenance["redirects"] == [{"status": 307, "from": f"{service.origin}{PATH}",
                                        "to": provenance["final_url"]}]
    assert "s3cret" not in result.sidecar.read_text(encoding="utf-8")


def test_redirect_loop_is_an_input_error(tmp_path, credentials):
    with Host("127.0.0.1", lambda path: (302, {"Location": PATH}, b"")) as service:
        with pytest.raises(InputError, match="redirect"):
            fetch_table("13211-02-05-4", base_url=f"{service.origin}/genesisWS/rest/2020/",
                        out_dir=tmp_path / "raw", timeout=10)
