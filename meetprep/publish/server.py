"""Serve output/public over HTTP: the portal and the static OParl files as they are, and OParl
lists with their filters (modified_since, created_since, ..._until, limit) and pages answered
from the ledger, so that a client that keeps a copy fetches only what changed.

Started by `meetprep serve` beside the Prefect server (or alone with --portal-only). It is a
small threaded standard-library server for one machine or behind a reverse proxy; a big site
puts output/public on its web server and proxies only /oparl/ with a query to this one.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import unicodedata
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from meetprep.publish import oparl

FILTERS = ("modified_since", "modified_until", "created_since", "created_until")
LIMITS = ("limit", "elementsPerPage")  # OParl 1.1's name, and the name of an earlier draft some clients send


class PortalHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".json": "application/json",
                      ".ics": "text/calendar; charset=utf-8", ".atom": "application/atom+xml",
                      ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                      ".css": "text/css; charset=utf-8"}

    def __init__(self, *args: Any, store: Any, base: str, directory: str, **kwargs: Any):
        self.store, self.base = store, base
        self.disposition: str | None = None
        super().__init__(*args, directory=directory, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # quiet: the CLI prints where it serves; errors come back to the client

    def end_headers(self) -> None:
        # everything here is public: any web page may read it (OParl 1.1, 2.6: CORS)
        self.send_header("Access-Control-Allow-Origin", "*")
        if self.disposition:
            self.send_header("Content-Disposition", self.disposition)
        super().end_headers()

    def do_OPTIONS(self) -> None:  # noqa: N802 - a browser's preflight
        self.send_response(204)
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        parts = urlsplit(self.path)
        if parts.path.startswith(f"/{oparl.ROOT}/") and parts.query:
            return self.oparl_list(parts.path, parse_qs(parts.query))
        return super().do_GET()

    def send_head(self) -> Any:
        """A download URL is its file's access URL below /download/, sent as an attachment
        (OParl 1.1, 2.7); the access URL itself never is."""
        self.disposition = None
        parts = urlsplit(self.path)
        prefix = f"/{oparl.DOWNLOAD}/"
        if parts.path.startswith(prefix):
            self.path = "/" + parts.path[len(prefix):]
            target = Path(self.translate_path(self.path))
            if target.is_file() and not self.path.startswith(f"/{oparl.ROOT}/"):
                self.disposition = attachment(unquote(target.name))
        return super().send_head()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if not urlsplit(self.path).path.startswith(f"/{oparl.ROOT}/"):
            return super().send_error(code, message, explain)
        self.error(code, self.path)

    def oparl_list(self, path: str, query: dict[str, list[str]]) -> None:
        pieces = path.strip("/").split("/")
        if pieces == oparl.bodies_path().split("/"):
            body, kind = None, "Body"
        elif len(pieces) == 4:
            body, kind = pieces[2], oparl.kind_of_list(pieces[-1].removesuffix(".json"))
        else:
            body, kind = None, None
        if kind is None:
            return self.error(404, path)
        filters: dict[str, dt.datetime] = {}
        try:
            for name in FILTERS:
                if name in query:
                    # "+01:00" sent unencoded arrives as " 01:00": a date-time has no space
                    moment = dt.datetime.fromisoformat(query[name][0].strip().replace(" ", "+").replace("Z", "+00:00"))
                    filters[name] = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
            page = int(query.get("page", ["1"])[0])
            asked = next((query[name][0] for name in LIMITS if name in query), str(oparl.PAGE_SIZE))
            limit = int(asked)
            if page < 1 or not 1 <= limit <= 1000:
                raise ValueError("page must be 1 or more and limit from 1 to 1000")
        except ValueError as exc:
            return self.error(400, path, f"bad list parameter: {exc}")
        kept = {k: v[0] for k, v in query.items() if k in FILTERS or k in LIMITS}

        def link(number: int) -> str:
            return oparl.url(f"{path.lstrip('/')}?{urlencode({**kept, 'page': number})}")

        with self.store.session() as session:  # spliced from the objects' files, as the static pages are
            data = oparl.spliced_page(session, Path(self.directory), body, kind, page, self.base, limit=limit,
                                      link=link, totals=True, **filters)
        self.send_body(200, data, "application/json")

    def error(self, status: int, path: str, debug: str | None = None) -> None:
        """An OParl error object, its message in the body's language (the static error page the
        publish wrote for the body, or for the first body)."""
        pieces = urlsplit(path).path.strip("/").split("/")
        message = HTTPStatus(status).phrase
        for candidate in ([oparl.ROOT, *pieces[2:3], "error-404.json"], [oparl.ROOT, "error-404.json"]) * (status == 404):
            try:
                message = json.loads((Path(self.directory) / "/".join(candidate)).read_text(encoding="utf-8"))["message"]
                break
            except (OSError, ValueError, KeyError):
                continue
        detail = debug or f"{HTTPStatus(status).phrase}: {urlsplit(path).path}"
        body = json.dumps(oparl.error_object(message, detail), ensure_ascii=False).encode()
        self.send_body(status, body, "application/json")

    def send_body(self, status: int, data: bytes, media_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def attachment(name: str) -> str:
    """Content-Disposition for a download: `attachment` first, then the file's name in ASCII
    (OParl recommends it), and in full as RFC 6266's filename* where it is not ASCII."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    value = f'attachment; filename="{plain or "file"}"'
    if plain != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def portal_server(store: Any, root: Path, base: str, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """A server for `root` (output/public) on host:port; call serve_forever() or start()."""
    root.mkdir(parents=True, exist_ok=True)
    handler = partial(PortalHandler, store=store, base=base, directory=str(root))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def start(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="portal", daemon=True)
    thread.start()
    return thread
