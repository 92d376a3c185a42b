"""A real IMAP server for the tests: Debian's Dovecot, started on 127.0.0.1 with its own config
in a temporary folder, one user with a password, and a maildir the test delivers into."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from tests.servers import free_port, wait_for


def dovecot() -> str | None:
    return shutil.which("dovecot") or (shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin"))


class Dovecot:
    USER, PASSWORD = "sekretariat", "hemmeligt"

    def __init__(self):
        import tempfile

        # Its own folder under /tmp, open to Dovecot's unprivileged processes (auth, imap): a
        # test's tmp_path lies in a folder only its owner may enter.
        self.folder = Path(tempfile.mkdtemp(prefix="meetprep-dovecot-"))
        self.folder.chmod(0o755)
        self.port = free_port()
        self.mail = self.folder / "mail" / self.USER
        # Dovecot will not run a mailbox as root: the mail belongs to an ordinary account.
        account = pwd.getpwnam("nobody") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
        self.uid, self.gid = account.pw_uid, account.pw_gid
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"imap://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, raw: bytes, name: str) -> None:
        """Put a message into the user's maildir, as a local delivery agent would."""
        target = self.mail / "new" / f"{time.time_ns()}.{name}.meetprep"
        target.write_bytes(raw)
        if os.getuid() == 0:
            os.chown(target, self.uid, self.gid)

    def __enter__(self) -> "Dovecot":
        for sub in ("run", "state", "mail"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("new", "cur", "tmp"):
            (self.mail / sub).mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            for path in [self.folder / "mail", *self.folder.joinpath("mail").rglob("*")]:
                os.chown(path, self.uid, self.gid)
        (self.folder / "users").write_text(f"{self.USER}:{{PLAIN}}{self.PASSWORD}\n")
        (self.folder / "users").chmod(0o644)
        internal = "dovecot" if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
        login = "dovenull" if os.getuid() == 0 else internal
        config = self.folder / "dovecot.conf"
        config.write_text(f"""
base_dir = {self.folder}/run
state_dir = {self.folder}/state
log_path = {self.folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:{self.folder}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.folder}/users
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={self.folder}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")
        self.process = subprocess.Popen([dovecot(), "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)

        def listening() -> bool:
            import socket

            if self.process.poll() is not None:
                raise RuntimeError("dovecot did not start: " + self.process.stderr.read().decode()[-2000:]
                                   + self._log())
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", self.port)) == 0

        if not wait_for(listening, timeout=30):
            self.__exit__()
            raise RuntimeError("dovecot is not listening" + self._log())
        return self

    def _log(self) -> str:
        log = self.folder / "dovecot.log"
        return "\n" + log.read_text()[-2000:] if log.exists() else ""

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)
