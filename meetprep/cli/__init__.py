"""The `meetprep` command line: one module per command group, sharing `common`.

Importing this package registers every command on `app` (in the order `meetprep --help` lists
them); `main` is the console-script entry point.
"""

from meetprep.cli import accessibility, decisions, items, signoff, agenda, meetings, config, templates, invitations, attachments, minutes, planning, replies, publish, demo, serve, forkserver  # noqa: F401
from meetprep.cli.common import app, main

__all__ = ["app", "main"]
