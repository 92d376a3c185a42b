"""An OParl 1.1 consumer, written for the tests from the specification, that walks a server as
the validators and importers do (the OParl validator, oparl-validator-rs, meine-stadt-transparent):
System -> bodies -> every external list along links.next -> every object at its own URL -> files.

It collects what it finds and every rule broken, each as a line naming the URL and the rule, so
that a test asserts `crawler.problems == []` and shows all of them at once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "https://schema.oparl.org/1.1/"
BODY_LISTS = ("organization", "person", "meeting", "paper", "membership", "agendaItem", "consultation", "file",
              "locationList", "legislativeTermList")
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?[+-]\d\d:\d\d$")  # with an offset, never "Z"
DATE_TIME_FIELDS = ("created", "modified", "start", "end", "publishedDate")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Crawler:
    base: str
    validators: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    objects: dict[str, dict] = field(default_factory=dict)  # id -> the object as its own URL gives it
    listed: dict[str, list[dict]] = field(default_factory=dict)  # list URL -> every item along links.next
    requests: int = 0

    # -- HTTP ---------------------------------------------------------------------------------

    def get(self, url: str, method: str = "GET") -> Response:
        assert url.startswith(self.base), f"the crawler stays on {self.base}: {url}"
        self.requests += 1
        request = urllib.request.Request(url, method=method, headers={"Origin": "https://client.example.org"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                response = Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
        except urllib.error.HTTPError as error:
            response = Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())
        if response.headers.get("access-control-allow-origin") != "*":
            self.problem(url, "2.6 CORS: no Access-Control-Allow-Origin: *")
        return response

    def get_json(self, url: str) -> Any:
        response = self.get(url)
        if response.status != 200:
            self.problem(url, f"answered {response.status}")
            return None
        if not response.headers.get("content-type", "").startswith("application/json"):
            self.problem(url, f"Content-Type {response.headers.get('content-type')}")
        return response.json()

    def problem(self, url: str, text: str) -> None:
        self.problems.append(f"{url}: {text}")

    # -- the walk -----------------------------------------------------------------------------

    def crawl(self) -> None:
        system_url = self.base + "oparl/v1/system.json"
        system = self.get_json(system_url)
        self.check_object(system, system_url, "System")
        for body in self.walk_list(system["body"]):
            self.check_object(body, body["id"], "Body")
            self.fetch_object(body)
            if self.objects.get(body["id"]) != body:
                self.problem(body["id"], "the body in the list differs from the body at its URL")
            for name in BODY_LISTS:
                if not isinstance(body.get(name), str):
                    self.problem(body["id"], f"Body.{name} is not an external list's URL")
                    continue
                for item in self.walk_list(body[name]):
                    kind = item.get("type", "").removeprefix(SCHEMA)
                    self.check_object(item, body[name], kind)
                    self.fetch_object(item)
        for obj in list(self.objects.values()):
            if obj.get("type") == SCHEMA + "File" and not obj.get("deleted"):
                self.check_file(obj)

    def walk_list(self, url: str) -> list[dict]:
        """Every item of an external list, along links.next; each page checked."""
        items: list[dict] = []
        seen: set[str] = set()
        page_url: str | None = url
        while page_url:
            if page_url in seen:
                self.problem(url, f"links.next goes round in a circle at {page_url}")
                break
            seen.add(page_url)
            page = self.get_json(page_url)
            if page is None:
                break
            for key in ("data", "pagination", "links"):
                if key not in page:
                    self.problem(page_url, f"list page without '{key}'")
            for item in page.get("data", []):
                if item.get("deleted") and "modified_since" not in page_url:
                    self.problem(page_url, f"2.5: deleted object {item.get('id')} in a list without modified_since")
            items += page.get("data", [])
            page_url = page.get("links", {}).get("next")
        self.listed[url] = items
        return items

    def fetch_object(self, item: dict) -> None:
        url = item.get("id")
        if not url or url in self.objects:
            return
        own = self.get_json(url)
        if own is None:
            return
        if own.get("id") != url:
            self.problem(url, f"the object at this URL has the id {own.get('id')}")
        if own.get("type") != item.get("type"):
            self.problem(url, "its type differs from the list's")
        self.objects[url] = own
        self.check_object(own, url, own.get("type", "").removeprefix(SCHEMA))
        for child in _embedded(own):  # an embedded object is fetchable at its own id too
            self.fetch_object(child)

    # -- rules --------------------------------------------------------------------------------

    def check_object(self, obj: Any, where: str, kind: str) -> None:
        if not isinstance(obj, dict):
            self.problem(where, f"not an object: {obj!r}")
            return
        validator = self.validators.get(kind)
        if validator is None:
            self.problem(where, f"unknown type {obj.get('type')}")
        else:
            for error in validator.iter_errors(obj):
                self.problem(obj.get("id", where), f"schema {kind}: {'/'.join(map(str, error.path))}: {error.message}")
        for name, value in _date_times(obj):
            if not DATE_TIME.match(value):
                self.problem(obj.get("id", where), f"{name} {value!r} is not a date-time with an offset")
        created, modified = obj.get("created"), obj.get("modified")
        if created and modified and _when(created) > _when(modified):
            self.problem(obj.get("id", where), f"created {created} is after modified {modified}")

    def check_file(self, obj: dict) -> None:
        access, download = obj.get("accessUrl"), obj.get("downloadUrl")
        if not access:
            self.problem(obj["id"], "File without accessUrl")
            return
        shown = self.get(access)
        if shown.status != 200:
            self.problem(access, f"accessUrl answered {shown.status}")
        if "attachment" in shown.headers.get("content-disposition", ""):
            self.problem(access, "2.7: the accessUrl is sent as an attachment")
        if obj.get("size") is not None and shown.status == 200 and len(shown.body) != obj["size"]:
            self.problem(access, f"{len(shown.body)} bytes, the File says {obj['size']}")
        if download:
            if download == access:
                self.problem(obj["id"], "downloadUrl is the accessUrl")
            got = self.get(download)
            disposition = got.headers.get("content-disposition", "")
            if got.status != 200:
                self.problem(download, f"downloadUrl answered {got.status}")
            elif not re.match(r'^attachment\s*;.*\bfilename="[^"]+"', disposition):
                self.problem(download, f"2.7: Content-Disposition {disposition!r}, not attachment with a filename")
            elif got.body != shown.body:
                self.problem(download, "the download differs from the file at its accessUrl")


def _embedded(obj: Any):
    """The objects embedded in `obj` (with an id and a type), at any depth."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, dict):
                    if "id" in child and "type" in child:
                        yield child
                    yield from _embedded(child)


def _date_times(obj: dict, prefix: str = ""):
    for key, value in obj.items():
        if key in DATE_TIME_FIELDS and isinstance(value, str):
            yield prefix + key, value
        elif isinstance(value, dict):
            yield from _date_times(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            for index, child in enumerate(value):
                if isinstance(child, dict):
                    yield from _date_times(child, f"{prefix}{key}[{index}].")


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def with_query(url: str, **params: Any) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
