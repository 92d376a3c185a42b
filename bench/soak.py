"""Soak: one worker builds and publishes 300 meetings one after the other while the served OParl API
answers a crawler, with the worker spawned and forked. Not a test: it runs for minutes.

    .venv/bin/python bench/soak.py [--committees 28] [--start-method spawn|fork|both]

The world is bench/year.py's German city (11 meetings per committee, 25 papers per meeting; 28
committees: 308 meetings). The worker is bench/year.py's meetprep_worker (build, then publish, as
`meetprep agenda build` does) in a process of its own; meanwhile this process serves the public
tree with meetprep.publish.server and a crawler thread walks the OParl API as a consumer does:
the bodies, every list with and without `modified_since` and `limit`, and the objects on its
pages. Prints per start method the worker's exit code (-11 would be the crash that
scripts/repro_spawn_segfault.py reproduces at 7bd9f2f), its builds, its peak memory, and the
crawler's requests and errors. Exit code 1 if a worker or a request failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def worker(args, queue) -> None:
    import faulthandler

    faulthandler.enable(file=sys.stderr)
    from bench import year

    queue.put(year.meetprep_worker(args))


def crawl(base: str, published: str, stop: threading.Event, counts: dict[str, int], errors: list[str]) -> None:
    """Walk the API again and again until told to stop (its links name `published`, the public
    address the objects were published under: asked here at `base`)."""
    def get(url: str) -> dict:
        counts["requests"] += 1
        with urllib.request.urlopen(url.replace(published, base), timeout=30) as response:
            return json.loads(response.read())

    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).isoformat()
    while not stop.is_set():
        try:
            system = get(f"{base}oparl/v1/system.json")
            counts["published"] = 1
            for body in get(system["body"])["data"]:
                for key in ("paper", "meeting", "organization", "person", "agendaItem", "consultation", "file"):
                    if key not in body:
                        continue
                    for query in ("", "?limit=20", f"?modified_since={urllib.parse.quote(since)}&limit=50"):
                        page = get(body[key] + query)
                        for item in page["data"][:3]:
                            if not item.get("deleted"):
                                get(item["id"])
                        if stop.is_set():
                            return
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and not counts.get("published"):  # nothing published yet: wait for the first build
                time.sleep(1)
                continue
            errors.append(f"{exc.code} {exc.url}")
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            if not stop.is_set():
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(1)


def soak(work: Path, days, method: str) -> dict:
    from meetprep.config import Settings
    from meetprep.publish import public_root
    from meetprep.publish.server import portal_server, start
    from meetprep.store import Store

    from bench import year

    year.import_world(work)  # MEETPREP_HOME is work/home, as the worker's
    settings = Settings.from_env()
    store = Store(settings.database_url)
    public = public_root(settings.output_dir)
    public.mkdir(parents=True, exist_ok=True)
    server = portal_server(store, public, settings.public_url, port=0)
    start(server)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    stop, counts, errors = threading.Event(), {"requests": 0}, []
    crawler = threading.Thread(target=crawl, args=(base, settings.public_url, stop, counts, errors), daemon=True)
    crawler.start()
    context = multiprocessing.get_context(method)
    queue = context.Queue()
    process = context.Process(target=worker, args=((work, days), queue))
    began = time.perf_counter()
    process.start()
    process.join()
    stop.set()
    crawler.join(timeout=60)
    server.shutdown()
    result = queue.get(timeout=5) if process.exitcode == 0 else None
    return {"method": method, "exit": process.exitcode, "seconds": round(time.perf_counter() - began, 1),
            "builds": len(result[3]) if result else None, "peak_mb": round(result[2] / 1024) if result else None,
            "requests": counts["requests"], "errors": errors[:5], "error_count": len(errors)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--committees", type=int, default=28)
    parser.add_argument("--start-method", default="both", choices=["spawn", "fork", "both"])
    args = parser.parse_args()
    from bench.year import write_world

    failed = False
    for method in (["spawn", "fork"] if args.start_method == "both" else [args.start_method]):
        with tempfile.TemporaryDirectory(prefix="meetprep-soak-") as folder:  # a fresh city per start method
            work = Path(folder)
            days = write_world(work, args.committees, 11, 25)
            print(f"{method}: {len(days)} meetings, {len(days) * 25:,} papers", flush=True)
            outcome = soak(work, days, method)
            print(json.dumps(outcome), flush=True)
            failed |= outcome["exit"] != 0 or outcome["error_count"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
