"""Configuration: runtime settings from the environment, and one YAML file per body.

Runtime settings are decided once, when a command starts (`Settings.from_env`), and are
immutable afterwards; nothing here runs at import time. Body files live in the config folder
(`config/<body>.yaml`) and are validated with pydantic; every problem in every file is
reported at once.
"""

from __future__ import annotations

import os
import re
import warnings
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from meetprep import memo
from meetprep.errors import ConfigError, InputError, Problem, display_path, format_loc, problems_from_validation
from meetprep.model import BodyConfig
from meetprep.yamlio import load_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENV_VARS = {
    "MEETPREP_HOME": "data folder for the embedded store and output (default: ./meetprep-data)",
    "MEETPREP_DATABASE_URL": "SQLAlchemy URL of the store (default: SQLite under MEETPREP_HOME)",
    "MEETPREP_CONFIG_DIR": "folder with one YAML file per body (default: ./config)",
    "MEETPREP_TEMPLATES_DIR": "folder with the Word templates (default: ./templates)",
    "MEETPREP_OUTPUT_DIR": "where documents are written (default: MEETPREP_HOME/output)",
    "MEETPREP_DELIVERY": "outbox (default: every message is written to MEETPREP_OUTBOX) or live (SMTP, apprise)",
    "MEETPREP_OUTBOX": "folder for outgoing messages in outbox mode (default: MEETPREP_HOME/outbox)",
    "MEETPREP_SMTP_URL": "overrides a body's SMTP server: smtp://host:port, smtp+starttls://, smtps://",
    "MEETPREP_SMTP_USERNAME": "SMTP user name (or the variable a body's config names)",
    "MEETPREP_SMTP_PASSWORD": "SMTP password (or the variable a body's config names, or a Prefect Secret block)",
    "MEETPREP_SMTP_CAFILE": "CA bundle that signs the mail server's certificate (an internal CA)",
    "MEETPREP_PUBLIC_URL": "the address the public portal and OParl are published under (default: http://127.0.0.1:8080/)",
    "MEETPREP_PROJECT_DIR": "the folder of prefect.yaml, where served flow runs start (set by meetprep serve)",
    "MEETPREP_PAPERS_MAIL": "a mailbox papers are sent to (maildir folder or imaps:// URL): their .docx and .yaml "
                            "attachments are taken in like files dropped into MEETPREP_HOME/inbox/papers/",
    "MEETPREP_SIGNOFF_MAIL": "where approvers' answers to sign-off requests arrive: a maildir folder (default "
                             "MEETPREP_HOME/signoff) or imaps://user:password@host/INBOX (docs/signoff.md)",
    "MEETPREP_FEEDBACK_MAIL": "where messages to the portal's accessibility feedback address arrive: a maildir "
                              "folder (default MEETPREP_HOME/feedback) or imaps://user:password@host/INBOX (docs/publishing.md)",
    "MEETPREP_DECISIONS_MAIL": "where owners' replies to decision follow-up reminders arrive (done, or a new due "
                               "date): a maildir folder (default MEETPREP_HOME/decisions) or imaps://user:password@host/INBOX "
                               "(docs/minutes.md)",
    "MEETPREP_CONSOLE_AUTH": "user:password that `meetprep serve --host ADDRESS` requires of the Prefect UI and API "
                             "(Prefect's basic authentication); CLI commands and workers against it need "
                             "PREFECT_API_AUTH_STRING set to the same",
    "MEETPREP_REPLIES": "where replies to meeting requests arrive: a maildir folder (default MEETPREP_HOME/replies) "
                        "or imaps://user:password@host/INBOX",
    "MEETPREP_PDF_SECONDS": "time limit for LibreOffice per document, in seconds (default: 60)",
    "MEETPREP_FORKSERVER": "auto (default), on or off: whether commands run in a warm fork server (docs/performance.md)",
    "MEETPREP_FORKSERVER_DIR": "the user's private folder for the fork server's socket and log "
                               "(default: $XDG_RUNTIME_DIR/meetprep, else <tmp>/meetprep-<uid>)",
    "MEETPREP_FORKSERVER_IDLE": "seconds without a command after which the fork server exits (default: 900)",
}


def _project_folder(name: str, cwd: Path) -> Path:
    # Prefer the folder in the working directory (a clerk's own config), then the one shipped
    # beside the package (an editable install or a checkout).
    local = cwd / name
    return local if local.is_dir() else PROJECT_ROOT / name


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    config_dir: Path
    templates_dir: Path
    output_dir: Path
    delivery: str = "outbox"
    outbox_dir: Path | None = None
    smtp_url: str | None = None
    pdf_seconds: float | None = None  # LibreOffice's time limit per document (default in meetprep.pdf)
    replies: str | None = None  # a maildir folder or an IMAP URL (meetprep.replies); default home/replies
    public_url: str = "http://127.0.0.1:8080/"  # where output/public is served: OParl ids are absolute URLs
    papers_mail: str | None = None  # a maildir folder or an IMAP URL papers are mailed to (meetprep.importing.intake)
    signoff_mail: str | None = None  # where answers to sign-off requests arrive (default: MEETPREP_HOME/signoff)
    feedback_mail: str | None = None  # where accessibility feedback arrives (default: MEETPREP_HOME/feedback)
    decisions_mail: str | None = None  # where replies to follow-up reminders arrive (default: MEETPREP_HOME/decisions)

    @property
    def outbox(self) -> Path:
        return self.outbox_dir or self.home / "outbox"

    @property
    def cache_dir(self) -> Path:
        """Where a short command keeps validated configs and holiday tables (meetprep.runtime.cache, through meetprep.memo)."""
        return self.home / "cache"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> "Settings":
        env = os.environ if env is None else env
        cwd = Path.cwd() if cwd is None else cwd
        unknown = sorted(k for k in env if k.startswith("MEETPREP_") and k not in ENV_VARS)
        if unknown:
            warnings.warn(f"unknown meetprep environment variable(s) ignored: {', '.join(unknown)}", stacklevel=2)
        home = Path(env.get("MEETPREP_HOME") or cwd / "meetprep-data")
        if not home.is_absolute():
            home = cwd / home
        database_url = env.get("MEETPREP_DATABASE_URL") or f"sqlite:///{home / 'meetprep.sqlite3'}"
        config_dir = Path(env["MEETPREP_CONFIG_DIR"]) if env.get("MEETPREP_CONFIG_DIR") else _project_folder("config", cwd)
        templates_dir = (
            Path(env["MEETPREP_TEMPLATES_DIR"]) if env.get("MEETPREP_TEMPLATES_DIR") else _project_folder("templates", cwd)
        )
        output_dir = Path(env["MEETPREP_OUTPUT_DIR"]) if env.get("MEETPREP_OUTPUT_DIR") else home / "output"
        delivery = env.get("MEETPREP_DELIVERY") or "outbox"
        if delivery not in ("outbox", "live"):
            raise ConfigError(f"MEETPREP_DELIVERY must be 'outbox' or 'live' (got {delivery!r})")
        outbox = Path(env["MEETPREP_OUTBOX"]) if env.get("MEETPREP_OUTBOX") else None
        pdf_seconds = None
        if env.get("MEETPREP_PDF_SECONDS"):
            try:
                pdf_seconds = float(env["MEETPREP_PDF_SECONDS"])
            except ValueError:
                pdf_seconds = -1.0
            if not 1 <= pdf_seconds <= 3600:
                raise ConfigError(f"MEETPREP_PDF_SECONDS must be a number of seconds from 1 to 3600 "
                                  f"(got {env['MEETPREP_PDF_SECONDS']!r})")
        public_url = env.get("MEETPREP_PUBLIC_URL") or "http://127.0.0.1:8080/"
        if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", public_url):
            raise ConfigError(f"MEETPREP_PUBLIC_URL must be an http(s) address such as https://ris.example.org/ "
                              f"(got {public_url!r})")
        return cls(home, database_url, config_dir, templates_dir, output_dir, delivery, outbox,
                   env.get("MEETPREP_SMTP_URL") or None, pdf_seconds, env.get("MEETPREP_REPLIES") or None,
                   public_url.rstrip("/") + "/", env.get("MEETPREP_PAPERS_MAIL") or None,
                   env.get("MEETPREP_SIGNOFF_MAIL") or None, env.get("MEETPREP_FEEDBACK_MAIL") or None,
                   env.get("MEETPREP_DECISIONS_MAIL") or None)

    def with_home(self, home: Path) -> "Settings":
        """The same settings with the embedded store and output under another folder."""
        return replace(self, home=home, database_url=f"sqlite:///{home / 'meetprep.sqlite3'}",
                       output_dir=home / "output", outbox_dir=None)


@dataclass(frozen=True)
class LoadedBody:
    config: BodyConfig
    path: Path


@dataclass(frozen=True)
class Configs:
    """All body configurations of a config folder, by body key."""

    bodies: dict[str, LoadedBody] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def get(self, key: str) -> BodyConfig | None:
        loaded = self.bodies.get(key)
        return loaded.config if loaded else None

    def __iter__(self):
        return iter(loaded.config for loaded in self.bodies.values())

    def keys(self) -> list[str]:
        return sorted(self.bodies)


def load_body_config(path: Path) -> BodyConfig:
    """Read and validate one body's config file. Raises InputError with every problem."""
    document = load_yaml(path)
    name = display_path(path)
    if not isinstance(document.data, dict):
        raise InputError([Problem(file=name, message="expected a mapping with 'body', 'persons' and 'organizations'")])
    raw_body = document.data.get("body")
    item = f"body {raw_body.get('key')!r}" if isinstance(raw_body, dict) and raw_body.get("key") else None
    try:
        config = BodyConfig.model_validate(document.data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, name, item, document.line_of)) from None
    cross = config.cross_reference_problems()
    if cross:
        raise InputError(
            [Problem(file=name, item=item, field=format_loc(loc), line=document.line_of(loc), message=msg) for loc, msg in cross]
        )
    return config


_CACHE: dict[tuple[Any, ...], Configs] = {}


def load_configs(config_dir: Path) -> Configs:
    """Read every `*.yaml` in the config folder. Raises InputError listing all problems.

    Cached per process as long as no file in the folder changed (name, size, modification time);
    each file's validated config also on disk where the runtime's disk cache is installed (meetprep.memo), so that one
    edited file is all a new command validates again. A file with problems is never cached: it
    is read again, and refused again, every time.
    """
    if config_dir.is_dir():
        files = sorted([*config_dir.glob("*.yaml"), *config_dir.glob("*.yml")])
        key = (str(config_dir.resolve()), memo.stamp(files))
        if key in _CACHE:
            return _CACHE[key]
        configs = _load_configs(config_dir)
        _CACHE[key] = configs
        return configs
    return _load_configs(config_dir)


def _remembered_body_config(path: Path) -> BodyConfig:
    name = "config-" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return memo.remembered(name, [path], ("pydantic", "holidays", "yaml"), lambda: load_body_config(path))


def _load_configs(config_dir: Path) -> Configs:
    if not config_dir.is_dir():
        raise ConfigError(
            f"no config folder at {display_path(config_dir)}: set MEETPREP_CONFIG_DIR or run from the project folder"
        )
    problems: list[Problem] = []
    bodies: dict[str, LoadedBody] = {}
    notes: list[Problem] = []
    paths = sorted([*config_dir.glob("*.yaml"), *config_dir.glob("*.yml")])
    if not paths:
        raise ConfigError(f"the config folder {display_path(config_dir)} holds no *.yaml body files")
    for path in paths:
        try:
            config = _remembered_body_config(path)
        except InputError as exc:
            problems += exc.problems
            continue
        key = config.body.key
        if key in bodies:
            problems.append(
                Problem(
                    file=display_path(path),
                    item=f"body {key!r}",
                    field="body.key",
                    message=f"body key already used by {display_path(bodies[key].path)}",
                )
            )
            continue
        if path.stem != key:
            notes.append(
                Problem(
                    file=display_path(path),
                    item=f"body {key!r}",
                    field="body.key",
                    message=f"file name differs from the body key; {key}.yaml is easier to find",
                    severity="warning",
                )
            )
        bodies[key] = LoadedBody(config, path)
    if problems:
        raise InputError(problems)
    return Configs(bodies, notes)
