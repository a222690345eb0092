"""``fetch-genesis``: download a table from the GENESIS web service, unchanged, with provenance.

For teams with an account at GENESIS-Online (Destatis) or the Regionaldatenbank. The service is the
GENESIS-Online REST API 2020 (``.../genesisWS/rest/2020/data/tablefile``): a POST with form fields
(``name`` = table code, ``area``, ``compress``, ``transpose``, ``startyear``, ``endyear``,
``regionalvariable``, ``regionalkey``, ``format`` = ``csv``/``ffcsv``, ``language`` ...) and the
credentials as the HTTP headers ``username`` and ``password`` (since July 2025 the only way the
service accepts them; an API token goes in ``username`` with an empty password).

Credentials come from environment variables (``GENESIS_USERNAME`` / ``GENESIS_PASSWORD`` unless
named otherwise) and are never written anywhere: not to the sidecar, not to a log, not into an
error message. The response is stored byte for byte under ``data/raw/`` with a sidecar
``<file>.provenance.json`` holding the table, the query (without credentials), the service URL, the
UTC time and the SHA-256 of the file, so a later reader can prove the raw file is what the service
sent. The service answers errors with a JSON status (even under HTTP 200); those become an
:class:`~evaluation.errors.InputError` and nothing is written.

Redirects: urllib's default handler follows a redirect to *any* host and copies the request's
headers, the credentials included. The opener here follows a redirect only within the same origin
(scheme, host and port), at most :data:`MAX_REDIRECTS` times, keeping method and form for 307/308;
a redirect to another host is an :class:`~evaluation.errors.InputError` and that host is never
contacted. The sidecar records the URL asked, the final URL, every redirect and the final HTTP
status. Answers larger than ``max_bytes`` (default :data:`MAX_BYTES`) are refused.

Uses only the standard library (``urllib``), so no HTTP client dependency is needed.

Example (command line)::

    GENESIS_USERNAME=... GENESIS_PASSWORD=... evaluation fetch-genesis 13211-02-05-4 \\
        --service regionalstatistik --startyear 2015 --endyear 2020
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputError

SERVICES: dict[str, str] = {
    "destatis": "https://www-genesis.destatis.de/genesisWS/rest/2020/",
    "regionalstatistik": "https://www.regionalstatistik.de/genesisws/rest/2020/",
}
DEFAULT_USER_ENV = "GENESIS_USERNAME"
DEFAULT_PASSWORD_ENV = "GENESIS_PASSWORD"
_TABLE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_*]{2,30}$")
#: most redirects followed (within the same origin)
MAX_REDIRECTS = 5
#: largest answer stored (bytes); GENESIS tables are rarely above a few hundred MB
MAX_BYTES = 2_000_000_000


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to the same scheme, host and port; record each one.

    For 307/308 the request is repeated with its method, form and headers (as RFC 9110 says);
    for 301/302/303 urllib's rule applies (a GET without the form). A redirect elsewhere raises
    :class:`InputError` before the other host is contacted, so the credential headers never leave.
    """

    max_redirections = MAX_REDIRECTS

    def __init__(self, origin_url: str) -> None:
        super().__init__()
        self.origin = _origin(origin_url)
        self.redirects: list[dict] = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        newurl = urllib.parse.urljoin(req.full_url, newurl)
        if _origin(newurl) != self.origin:
            scheme, host, port = _origin(newurl)
            raise InputError(
                f"the GENESIS service answered HTTP {code} with a redirect to another host "
                f"({scheme}://{host}:{port}); refused, so that the credentials are not sent there",
                column="service", expected=f"an answer from {self.origin[0]}://{self.origin[1]}:{self.origin[2]}")
        if len(self.redirects) >= self.max_redirections:
            raise InputError(f"the GENESIS service redirected more than {self.max_redirections} times "
                             "(a redirect loop?)", column="service", found=newurl)
        self.redirects.append({"status": int(code), "from": req.full_url, "to": newurl})
        if code in (307, 308):
            return urllib.request.Request(newurl, data=req.data, headers=dict(req.header_items()),
                                          origin_req_host=req.origin_req_host, unverifiable=True,
                                          method=req.get_method())
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass(frozen=True)
class FetchResult:
    """Where the raw file and its provenance sidecar were written, and the file's SHA-256."""

    path: Path
    sidecar: Path
    sha256: str
    bytes: int


def _extension(body: bytes, fmt: str) -> str:
    if body[:2] == b"PK":
        return ".zip"
    return ".csv" if fmt in ("csv", "ffcsv") else f".{fmt}"


def _service_error(body: bytes) -> str | None:
    """The service's error message if the body is a JSON status instead of a table."""
    head = body[:4096].lstrip()
    if not head.startswith(b"{"):
        return None
    try:
        doc = json.loads(body.decode("utf-8", errors="replace"))
    except json.JSONDecodeError:
        return "the service answered with unreadable JSON instead of a table"
    status = doc.get("Status") or doc.get("status") or {}
    code = status.get("Code", status.get("code")) if isinstance(status, dict) else None
    content = status.get("Content", status.get("content")) if isinstance(status, dict) else str(status)
    return f"GENESIS service status {code}: {content}"


def fetch_table(
    table: str,
    *,
    service: str = "destatis",
    base_url: str | None = None,
    out_dir: str | Path = "data/raw",
    fmt: str = "csv",
    startyear: int | None = None,
    endyear: int | None = None,
    regionalvariable: str | None = None,
    regionalkey: str | None = None,
    language: str = "de",
    compress: bool = False,
    user_env: str = DEFAULT_USER_ENV,
    password_env: str = DEFAULT_PASSWORD_ENV,
    timeout: float = 120.0,
    max_bytes: int = MAX_BYTES,
) -> FetchResult:
    """Download ``table`` from the GENESIS web service into ``out_dir`` with a provenance sidecar.

    Redirects are followed only within the service's own origin (see the module docstring); an
    answer larger than ``max_bytes`` is refused. Raises :class:`InputError` for a bad table code,
    missing credentials, an unreachable service, a refused redirect or a service error status.
    """
    if not _TABLE_RE.match(table):
        raise InputError("not a GENESIS table code", column="table", expected="e.g. 13211-02-05-4 or 12613-0004",
                         found=table)
    url = (base_url or SERVICES.get(service) or "").rstrip("/") + "/data/tablefile"
    if not url.startswith(("http://", "https://")):
        raise InputError(f"unknown GENESIS service '{service}'", column="service", expected=f"one of {sorted(SERVICES)}")
    user = os.environ.get(user_env)
    password = os.environ.get(password_env, "")
    if not user:
        raise InputError(f"no GENESIS credentials: the environment variable {user_env} is not set",
                         expected=f"{user_env} (user name or API token) and {password_env} set in the environment")
    query: dict[str, str] = {"name": table, "area": "all", "compress": str(compress).lower(),
                             "transpose": "false", "format": fmt, "language": language, "job": "false"}
    for key, value in (("startyear", startyear), ("endyear", endyear), ("regionalvariable", regionalvariable),
                       ("regionalkey", regionalkey)):
        if value is not None:
            query[key] = str(value)
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(query).encode("ascii"), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "username": user, "password": password,
                 "User-Agent": "evaluation-workbench fetch-genesis"})
    redirects = _SameOriginRedirects(url)
    opener = urllib.request.build_opener(redirects)
    try:
        with opener.open(request, timeout=timeout) as response:  # noqa: S310 - URL built above
            body = response.read(max_bytes + 1)
            status = response.status
            final_url = response.geturl()
        if len(body) > max_bytes:
            raise InputError(f"the GENESIS service sent more than {max_bytes:,} bytes; refused", column="table",
                             found=table, expected=f"at most {max_bytes:,} bytes (raise max_bytes= to allow it)")
    except urllib.error.HTTPError as exc:
        detail = _service_error(exc.read() or b"") or exc.reason
        raise InputError(f"the GENESIS service refused the request (HTTP {exc.code}): {detail}",
                         column="table", found=table) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise InputError(f"the GENESIS service at {url} could not be reached ({exc})", column="service") from None
    error = _service_error(body)
    if error:
        raise InputError(f"the GENESIS service sent no table: {error}", column="table", found=table)
    if not body:
        raise InputError("the GENESIS service sent an empty answer", column="table", found=table)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fetched_at = datetime.now(UTC)
    stem = f"{table.replace('*', '_')}_{fmt}_{fetched_at:%Y%m%dT%H%M%SZ}"
    path = out / f"{stem}{_extension(body, fmt)}"
    with open(path, "xb") as fh:  # never overwrite a raw file
        fh.write(body)
    digest = hashlib.sha256(body).hexdigest()
    sidecar = path.with_name(path.name + ".provenance.json")
    provenance = {
        "table": table, "service": service if base_url is None else "custom", "url": url,
        "final_url": final_url, "redirects": redirects.redirects,
        "query": query,  # credentials travel as headers and are not part of it
        "fetched_at": fetched_at.isoformat(timespec="seconds"), "http_status": status,
        "sha256": digest, "bytes": len(body), "file": path.name,
    }
    sidecar.write_text(json.dumps(provenance, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return FetchResult(path=path, sidecar=sidecar, sha256=digest, bytes=len(body))


def _run(args: argparse.Namespace) -> int:
    try:
        result = fetch_table(args.table, service=args.service, base_url=args.base_url, out_dir=args.out_dir,
                             fmt=args.format, startyear=args.startyear, endyear=args.endyear,
                             regionalvariable=args.regionalvariable, regionalkey=args.regionalkey,
                             language=args.language, compress=args.compress, user_env=args.user_env,
                             password_env=args.password_env)
    except InputError as exc:
        print(f"fetch-genesis: {exc}")
        return 2
    print(f"{result.path} ({result.bytes} bytes, sha256 {result.sha256})")
    print(f"provenance: {result.sidecar}")
    return 0


def add_cli(subparsers) -> None:
    """Add the ``fetch-genesis`` subcommand to an argparse ``subparsers`` object."""
    p = subparsers.add_parser(
        "fetch-genesis", help="download a table from GENESIS-Online / the Regionaldatenbank (account needed)",
        description="Download a table from the GENESIS web service (REST API 2020) and store it unchanged "
                    "under data/raw/ with a provenance sidecar. Credentials come from environment variables.")
    p.add_argument("table", help="table code, e.g. 13211-02-05-4")
    p.add_argument("--service", choices=sorted(SERVICES), default="destatis")
    p.add_argument("--base-url", default=None, help="another GENESIS instance (e.g. a Landesdatenbank)")
    p.add_argument("--out-dir", default="data/raw")
    p.add_argument("--format", choices=["csv", "ffcsv", "xlsx"], default="csv")
    p.add_argument("--startyear", type=int)
    p.add_argument("--endyear", type=int)
    p.add_argument("--regionalvariable")
    p.add_argument("--regionalkey")
    p.add_argument("--language", choices=["de", "en"], default="de")
    p.add_argument("--compress", action="store_true", help="ask for a zip archive")
    p.add_argument("--user-env", default=DEFAULT_USER_ENV, help="environment variable with the user name / token")
    p.add_argument("--password-env", default=DEFAULT_PASSWORD_ENV, help="environment variable with the password")
    p.set_defaults(func=_run)


__all__ = ["fetch_table", "add_cli", "FetchResult", "SERVICES"]
