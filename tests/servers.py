"""Real servers on 127.0.0.1 for tests: SMTP (aiosmtpd) and an HTTP endpoint for apprise json://."""

from __future__ import annotations

import json
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """An SMTP server that keeps what it receives; it can refuse addresses or be slow."""

    def __init__(self, refuse: set[str] | None = None, delay: float = 0.0, tls=None, implicit_tls: bool = False):
        """`tls`: an SSLContext; with `implicit_tls` the server speaks TLS at once (smtps), else it
        offers STARTTLS and requires it before mail."""
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse = refuse or set()
        self.delay = delay
        self.port = free_port()
        mailbox = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in mailbox.refuse:
                    return "550 5.1.1 no such user here"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                if mailbox.delay:
                    import asyncio

                    await asyncio.sleep(mailbox.delay)
                message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
                mailbox.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
                return "250 Message accepted for delivery"

        self.implicit_tls = implicit_tls and tls is not None
        self.starttls = tls is not None and not implicit_tls
        if self.implicit_tls:
            self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, ssl_context=tls)
        elif tls is not None:
            self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, tls_context=tls,
                                         require_starttls=True)
        else:
            self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        scheme = "smtps" if self.implicit_tls else ("smtp+starttls" if self.starttls else "smtp")
        return f"{scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> "Mailbox":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for _, rcpts, m in self.messages if address in rcpts]


class JsonEndpoint:
    """Receives apprise json:// notifications; answers 500 for paths listed in `fail`."""

    def __init__(self, fail: set[str] | None = None):
        self.received: list[tuple[str, dict]] = []
        self.fail = fail or set()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = self.path.strip("/")
                if path in endpoint.fail:
                    self.send_response(500)
                    self.end_headers()
                    return
                endpoint.received.append((path, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def __enter__(self) -> "JsonEndpoint":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(predicate, timeout: float = 30, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def self_signed(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and localhost, and its key: (cert path, key path)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)
