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
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from meetprep.publish import oparl

FILTERS = ("modified_since", "modified_until", "created_since", "created_until")


class PortalHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".json": "application/json",
                      ".ics": "text/calendar; charset=utf-8", ".atom": "application/atom+xml",
                      ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                      ".css": "text/css; charset=utf-8"}

    def __init__(self, *args: Any, store: Any, base: str, directory: str, **kwargs: Any):
        self.store, self.base = store, base
        super().__init__(*args, directory=directory, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # quiet: the CLI prints where it serves; errors come back to the client

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        parts = urlsplit(self.path)
        if parts.path.startswith(f"/{oparl.ROOT}/") and parts.query:
            return self.oparl_list(parts.path, parse_qs(parts.query))
        return super().do_GET()

    def oparl_list(self, path: str, query: dict[str, list[str]]) -> None:
        pieces = path.strip("/").split("/")
        kind = oparl.kind_of_list(pieces[-1].removesuffix(".json")) if len(pieces) == 4 else None
        if kind is None:
            return self.error(404, f"no OParl list at {path}")
        filters: dict[str, dt.datetime] = {}
        try:
            for name in FILTERS:
                if name in query:
                    # "+01:00" sent unencoded arrives as " 01:00": a date-time has no space
                    moment = dt.datetime.fromisoformat(query[name][0].strip().replace(" ", "+").replace("Z", "+00:00"))
                    filters[name] = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
            page = int(query.get("page", ["1"])[0])
            limit = int(query.get("limit", [str(oparl.PAGE_SIZE)])[0])
            if page < 1 or not 1 <= limit <= 1000:
                raise ValueError("page must be 1 or more and limit from 1 to 1000")
        except ValueError as exc:
            return self.error(400, f"bad list parameter: {exc}")
        kept = {k: v[0] for k, v in query.items() if k in FILTERS or k == "limit"}

        def link(number: int) -> str:
            return oparl.url(f"{path.lstrip('/')}?{urlencode({**kept, 'page': number})}")

        with self.store.session() as session:  # spliced from the objects' files, as the static pages are
            data = oparl.spliced_page(session, Path(self.directory), pieces[2], kind, page, self.base, limit=limit,
                                      link=link, totals=True, **filters)
        self.send_body(200, data, "application/json")

    def error(self, status: int, message: str) -> None:
        body = json.dumps({"type": "https://schema.oparl.org/1.1/Error", "message": message}).encode()
        self.send_body(status, body, "application/json")

    def send_body(self, status: int, data: bytes, media_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


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
