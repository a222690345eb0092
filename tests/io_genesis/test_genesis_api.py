"""fetch-genesis against a local server on 127.0.0.1 that serves fixture bytes (never the internet)."""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evaluation.errors import InputError
from evaluation.io.genesis import read_genesis
from evaluation.io.genesis_api import add_cli, fetch_table

FIXTURE = "genesis/regionalstatistik_13211-02-05-4_2015-2020.csv"


class FakeGenesis:
    """A GENESIS tablefile endpoint: checks method, path, headers and form, answers with fixture bytes."""

    def __init__(self, body: bytes):
        self.body = body
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                fake.requests.append({"path": self.path, "form": form, "headers": dict(self.headers)})
                if self.path != "/genesisWS/rest/2020/data/tablefile":
                    self.send_response(404)
                    self.end_headers()
                    return
                if self.headers.get("username") != "tester" or self.headers.get("password") != "s3cret":
                    answer = json.dumps({"Status": {"Code": 98, "Content": "Fehler: Falsche Anmeldedaten"}}).encode()
                    self.send_response(200)  # GENESIS reports errors in JSON under HTTP 200
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.end_headers()
                self.wfile.write(fake.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/genesisWS/rest/2020/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def body(fixture_path):
    return fixture_path(FIXTURE).read_bytes()


def test_fetch_stores_raw_bytes_and_provenance(tmp_path, body, monkeypatch):
    monkeypatch.setenv("GENESIS_USERNAME", "tester")
    monkeypatch.setenv("GENESIS_PASSWORD", "s3cret")
    with FakeGenesis(body) as server:
        result = fetch_table("13211-02-05-4", base_url=server.url, out_dir=tmp_path / "data" / "raw",
                             startyear=2015, endyear=2020)
    assert result.path.read_bytes() == body  # unchanged
    assert result.sha256 == hashlib.sha256(body).hexdigest()
    sent = server.requests[0]
    assert sent["form"]["name"] == "13211-02-05-4" and sent["form"]["startyear"] == "2015"
    assert sent["form"]["format"] == "csv"
    assert "password" not in sent["form"] and "username" not in sent["form"]  # credentials only as headers
    prov = json.loads(result.sidecar.read_text(encoding="utf-8"))
    assert prov["table"] == "13211-02-05-4" and prov["sha256"] == result.sha256 and prov["bytes"] == len(body)
    assert prov["query"]["endyear"] == "2020" and prov["fetched_at"].endswith("+00:00")
    stored = result.sidecar.read_text(encoding="utf-8") + result.path.name
    assert "s3cret" not in stored and "tester" not in stored
    # the stored file is what read_genesis reads
    df = read_genesis(result.path)
    assert df.query("region_code == '09562' and time == 2020 and variable == 'Arbeitslose | schwerbehindert'")[
        "value"].item() == 320


def test_service_error_in_json_writes_nothing(tmp_path, body, monkeypatch):
    monkeypatch.setenv("GENESIS_USERNAME", "tester")
    monkeypatch.setenv("GENESIS_PASSWORD", "wrong")
    with FakeGenesis(body) as server:
        with pytest.raises(InputError, match="Falsche Anmeldedaten") as info:
            fetch_table("13211-02-05-4", base_url=server.url, out_dir=tmp_path)
    assert "wrong" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_missing_credentials(tmp_path, monkeypatch):
    monkeypatch.delenv("GENESIS_USERNAME", raising=False)
    with pytest.raises(InputError, match="GENESIS_USERNAME"):
        fetch_table("13211-02-05-4", base_url="http://127.0.0.1:9/", out_dir=tmp_path)


def test_unreachable_service(tmp_path, monkeypatch):
    monkeypatch.setenv("GENESIS_USERNAME", "tester")
    with pytest.raises(InputError, match="could not be reached"):
        fetch_table("13211-02-05-4", base_url="http://127.0.0.1:9/", out_dir=tmp_path, timeout=2)


def test_cli_subcommand(tmp_path, body, monkeypatch, capsys):
    monkeypatch.setenv("MY_USER", "tester")
    monkeypatch.setenv("MY_PASS", "s3cret")
    parser = argparse.ArgumentParser(prog="evaluation")
    add_cli(parser.add_subparsers(dest="command"))
    with FakeGenesis(body) as server:
        args = parser.parse_args(["fetch-genesis", "13211-02-05-4", "--base-url", server.url, "--out-dir",
                                  str(tmp_path), "--user-env", "MY_USER", "--password-env", "MY_PASS"])
        assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "sha256" in out and "s3cret" not in out
    assert len(list(tmp_path.glob("*.provenance.json"))) == 1
    bad = parser.parse_args(["fetch-genesis", "not a table!", "--out-dir", str(tmp_path)])
    assert bad.func(bad) == 2
