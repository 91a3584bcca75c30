"""Shared fixtures."""

from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

#: Two good cases under the default Chinese headers (DOMAIN.md §6). Hand-checked values:
#: 00123 — 2024-03-05 10:20 submitted, 11:00 accepted, 2024-03-12 16:00 completed, 20 working
#: days, cross-region; 00124 — 即办, submitted and accepted 2024-03-06, still open.
SAMPLE_CASES_CSV = (
    "办件编号,实施部门,事项名称,申请渠道,异地通办,申请时间,受理时间,办结时间,承诺时限\n"
    "00123,县市场监督管理局,食品经营许可,一网通办,是,"
    "2024-03-05 10:20:00,2024-03-05 11:00:00,2024-03-12 16:00:00,20个工作日\n"
    "00124,县人力资源和社会保障局,社会保障卡申领,窗口,否,"
    "2024-03-06 09:00:00,2024-03-06 09:30:00,,即办\n"
)


@pytest.fixture
def sample_cases_csv_text() -> str:
    """``SAMPLE_CASES_CSV``: two good cases under the default Chinese headers."""
    return SAMPLE_CASES_CSV


@pytest.fixture
def write_cases_csv(tmp_path: Path) -> Callable[..., Path]:
    """``write_cases_csv(name="cases.csv", text=SAMPLE_CASES_CSV, encoding="utf-8")`` writes
    ``text`` under ``tmp_path`` in ``encoding`` and returns its path."""

    def write(
        name: str = "cases.csv", text: str = SAMPLE_CASES_CSV, encoding: str = "utf-8"
    ) -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


# --- Golden files and a real SMTP server (aiosmtpd), shared by the mail and report tests -----


GOLDEN_DIR = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden``: rewrite the files in ``tests/golden/`` instead of comparing."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden files in tests/golden/ from the current output",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, actual)`` asserts that ``actual`` equals ``tests/golden/<name>``, or
    rewrites that file when pytest runs with ``--update-golden``."""
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
            return
        if not path.is_file():
            pytest.fail(f"no golden file {path}; run pytest --update-golden and review the diff")
        expected = path.read_bytes().decode("utf-8")
        assert actual == expected, f"{name} differs; if intended, run pytest --update-golden"

    return check


class TlsCert:
    """A self-signed certificate for 127.0.0.1 and localhost (``cert`` and ``key`` PEM files)."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.cert = cert
        self.key = key

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting the certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client-side context that trusts the certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> TlsCert:
    """A :class:`TlsCert` made with the ``openssl`` command (skips when it is missing)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return TlsCert(cert, key)


@dataclass
class ReceivedMail:
    """One message as the test SMTP server got it: parsed message and envelope."""

    message: EmailMessage
    mail_from: str
    rcpt_tos: list[str]


class SmtpTestServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it accepts.

    ``port``; ``received`` (:class:`ReceivedMail`), ``messages`` (the parsed
    ``EmailMessage`` objects) and ``envelope_recipients`` in arrival order; ``logins``
    (user names that logged in). ``fail_next(n, code=451)`` answers the next ``n`` messages
    with ``code`` at DATA; ``fail_next(n, code=550, stage="rcpt")`` the next ``n`` RCPT TO
    commands. ``delay_next(seconds)`` takes the next message and answers its end only
    ``seconds`` later (as a server that scans mail before it answers: the message is
    received, and counted, before the wait); ``delay_next(seconds, stage="rcpt")`` waits
    before answering the next RCPT TO.
    """

    def __init__(self) -> None:
        self.port = 0
        self.received: list[ReceivedMail] = []
        self.logins: list[str] = []
        self.users: dict[str, str] = {}
        self._failures: dict[str, list[int]] = {"data": [], "rcpt": []}
        self._delays: dict[str, list[float]] = {"data": [], "rcpt": []}
        #: The stages at which a delay began ("data", "rcpt"), in order.
        self.delayed: list[str] = []
        self._lock = threading.Lock()

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    @property
    def envelope_recipients(self) -> list[list[str]]:
        return [r.rcpt_tos for r in self.received]

    def fail_next(self, n: int = 1, code: int = 451, stage: str = "data") -> None:
        """Answer the next ``n`` messages (``stage="data"``) or recipients (``"rcpt"``) with
        ``code`` (4xx: try again later, 5xx: rejected)."""
        with self._lock:
            self._failures[stage].extend([code] * n)

    def delay_next(self, seconds: float, stage: str = "data") -> None:
        """Wait ``seconds`` before answering the next message's end (``"data"``) or the
        next recipient (``"rcpt"``)."""
        with self._lock:
            self._delays[stage].append(seconds)

    async def _delay(self, stage: str) -> None:
        with self._lock:
            seconds = self._delays[stage].pop(0) if self._delays[stage] else 0.0
        if seconds:
            self.delayed.append(stage)
            await asyncio.sleep(seconds)

    def _failure(self, stage: str) -> str | None:
        with self._lock:
            if not self._failures[stage]:
                return None
            code = self._failures[stage].pop(0)
        what = "try again later" if code < 500 else "rejected"
        return f"{code} {code // 100}.0.0 test server: {what}"

    # aiosmtpd handler hooks (run on the server's event-loop thread)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        await self._delay("rcpt")
        failure = self._failure("rcpt")
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self._failure("data")
        if failure:
            return failure
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(ReceivedMail(message, envelope.mail_from, list(envelope.rcpt_tos)))
        await self._delay("data")  # the message is taken: only the answer waits
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        """aiosmtpd authenticator: accepts the user names and passwords in ``self.users``."""
        from aiosmtpd.smtp import AuthResult

        login = auth_data.login.decode()
        ok = self.users.get(login) == auth_data.password.decode()
        if ok:
            self.logins.append(login)
        return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def start_smtp_server() -> Iterator[Callable[..., SmtpTestServer]]:
    """``start_smtp_server(security="none", cert=None, users=None)`` starts a
    :class:`SmtpTestServer`; "starttls" requires STARTTLS before MAIL, "ssl" speaks TLS from
    the first byte (both need ``cert``, a :class:`TlsCert`); ``users`` (name → password)
    requires a login. Servers stop at the end of the test."""
    pytest.importorskip("aiosmtpd")
    from aiosmtpd.controller import Controller

    controllers = []

    def start(
        security: str = "none", cert: TlsCert | None = None, users: dict[str, str] | None = None
    ) -> SmtpTestServer:
        server = SmtpTestServer()
        options: dict[str, object] = {"server_hostname": "smtp.test"}
        if security == "starttls":
            assert cert is not None, "STARTTLS needs cert"
            options.update(tls_context=cert.server_context(), require_starttls=True)
        elif security == "ssl":
            assert cert is not None, "SSL needs cert"
            options.update(ssl_context=cert.server_context())
        if users is not None:
            server.users = dict(users)
            options.update(
                authenticator=server.authenticate,
                auth_required=True,
                # aiosmtpd 1.4 only sees TLS that began with STARTTLS, not implicit TLS.
                auth_require_tls=security == "starttls",
            )
        server.port = _free_port()
        controller = Controller(server, hostname="127.0.0.1", port=server.port, **options)
        controller.start()
        controllers.append(controller)
        return server

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp_server: Callable[..., SmtpTestServer]) -> SmtpTestServer:
    """A plain :class:`SmtpTestServer` (no TLS, no login) on 127.0.0.1."""
    return start_smtp_server()
