"""Robot endpoints on 127.0.0.1 that check what each platform checks (tests of issue 12).

One :class:`RobotServer` per platform kind, a real HTTP server in a thread:

- ``dingtalk`` (钉钉 自定义机器人): ``POST /robot/send?access_token=…``; with a secret, the
  ``timestamp`` (milliseconds, within an hour) and ``sign`` (Base64 HMAC-SHA256 of
  ``timestamp + "\\n" + secret``, URL-encoded) query parameters; a markdown body with a title
  and a text holding one of the keywords; every ``at.atMobiles`` number written ``@number`` in
  the text; at most ``limit`` messages in ``window`` seconds (else errcode 130101).
- ``wecom`` (企业微信 群机器人): ``POST /cgi-bin/webhook/send?key=…``; a markdown body whose
  content is at most 4,096 bytes (else 40058); at most ``limit`` in ``window`` (else 45009).
- ``webhook``: ``POST /hooks/alerts``; the payload schema; ``X-Monitor-Delivery`` the body's
  SHA-256; with a secret, ``X-Monitor-Timestamp`` within 5 minutes and ``X-Monitor-Signature``
  (HTTP 401 otherwise); at most ``limit`` in ``window`` (HTTP 429).

The signature checks are written here from the platforms' documentation, not imported from
the code under test. A script of steps makes the next requests fail: ``("status", 502)``,
``("errcode", 130101)``, ``("delay", 2.0)`` (the message is taken, the answer comes late),
``("drop",)`` (the message is taken, the connection closed without an answer), ``("reset",)``
(the connection closed before reading the request).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["RobotServer"]

PATHS = {"dingtalk": "/robot/send", "wecom": "/cgi-bin/webhook/send", "webhook": "/hooks/alerts"}
TOKEN_PARAM = {"dingtalk": "access_token", "wecom": "key"}


class Refused(Exception):
    """What the platform answers to a request it refuses: HTTP status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status, self.body = status, body


class RobotServer:
    """A platform's robot endpoint; ``messages`` holds the bodies it took (what the group
    shows), ``refused`` the answers it gave to the others."""

    def __init__(
        self,
        kind: str,
        *,
        token: str = "T0KEN-abc123",
        secret: str | None = None,
        keywords: tuple[str, ...] = (),
        limit: int = 20,
        window: float = 60.0,
    ) -> None:
        self.kind, self.token, self.secret, self.keywords = kind, token, secret, keywords
        self.limit, self.window = limit, window
        self.messages: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.refused: list[dict[str, Any]] = []
        self.script: deque[tuple[Any, ...]] = deque()
        self.times: deque[float] = deque()
        self.lock = threading.Lock()
        self.httpd = _Quiet(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        """The robot's webhook address, as the platform shows it to the group's owner."""
        base = f"http://127.0.0.1:{self.port}{PATHS[self.kind]}"
        param = TOKEN_PARAM.get(self.kind)
        return f"{base}?{param}={self.token}" if param else base

    def then(self, *steps: tuple[Any, ...]) -> None:
        """Make the next requests behave as ``steps`` say, one step each."""
        self.script.extend(steps)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- the platform's checks ------------------------------------------------------------

    def check(self, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes) -> None:
        """Refused unless the request is what the platform takes."""
        if path != PATHS[self.kind]:
            raise Refused(404, {"error": "no such path"})
        getattr(self, f"_check_{self.kind}")(query, headers, raw)
        now = time.monotonic()
        while self.times and self.times[0] <= now - self.window:
            self.times.popleft()
        if len(self.times) >= self.limit:
            raise self._rate_limited()
        self.times.append(now)

    def _rate_limited(self) -> Refused:
        if self.kind == "dingtalk":
            return Refused(
                200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
            )
        if self.kind == "wecom":
            return Refused(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
        return Refused(429, {"error": "too many requests"})

    def _check_dingtalk(self, query: dict[str, str], headers: dict[str, str], raw: bytes) -> None:
        if query.get("access_token") != self.token:
            raise Refused(200, {"errcode": 300001, "errmsg": "token is not exist"})
        if self.secret is not None:
            stamp = query.get("timestamp", "")
            if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3_600_000:
                raise Refused(200, {"errcode": 310000, "errmsg": "invalid timestamp"})
            mac = hmac.new(self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256)
            if query.get("sign") != base64.b64encode(mac.digest()).decode():
                raise Refused(200, {"errcode": 310000, "errmsg": "sign not match"})
        body = json.loads(raw)
        markdown = body.get("markdown") or {}
        text = markdown.get("text")
        if (
            body.get("msgtype") != "markdown"
            or not markdown.get("title")
            or not isinstance(text, str)
        ):
            raise Refused(200, {"errcode": 40035, "errmsg": "缺少参数 markdown.title/text"})
        if len(raw) > 20_000:
            raise Refused(200, {"errcode": 460101, "errmsg": "message too long"})
        if self.keywords and not any(k in text for k in self.keywords):
            raise Refused(200, {"errcode": 310000, "errmsg": "keywords not in content"})
        for number in (body.get("at") or {}).get("atMobiles", []):
            if f"@{number}" not in text:
                raise Refused(200, {"errcode": 40035, "errmsg": f"@{number} not in text"})

    def _check_wecom(self, query: dict[str, str], headers: dict[str, str], raw: bytes) -> None:
        if query.get("key") != self.token:
            raise Refused(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        body = json.loads(raw)
        content = (body.get("markdown") or {}).get("content")
        if body.get("msgtype") != "markdown" or not isinstance(content, str) or not content:
            raise Refused(200, {"errcode": 44004, "errmsg": "empty content"})
        if len(content.encode("utf-8")) > 4096:
            raise Refused(
                200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
            )

    def _check_webhook(self, query: dict[str, str], headers: dict[str, str], raw: bytes) -> None:
        if headers.get("x-monitor-delivery") != hashlib.sha256(raw).hexdigest()[:32]:
            raise Refused(400, {"error": "X-Monitor-Delivery is not the body's digest"})
        if self.secret is not None:
            stamp = headers.get("x-monitor-timestamp", "")
            if not stamp.isdigit() or abs(int(stamp) - time.time()) > 300:
                raise Refused(401, {"error": "stale or missing timestamp"})
            mac = hmac.new(self.secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256)
            if headers.get("x-monitor-signature") != "sha256=" + mac.hexdigest():
                raise Refused(401, {"error": "bad signature"})
        body = json.loads(raw)
        if body.get("schema") != "banjian-monitor.alert/1" or not isinstance(
            body.get("cases"), list
        ):
            raise Refused(422, {"error": "not a banjian-monitor.alert/1 payload"})


class _Quiet(ThreadingHTTPServer):
    """A server that does not print the client's going away (a client that timed out)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None


def _handler(server: RobotServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            return None

        def do_POST(self) -> None:
            with server.lock:
                step = server.script.popleft() if server.script else ("ok",)
            if step[0] == "reset":
                self.close_connection = True
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            if step[0] == "status":
                return self._answer(step[1], {"error": "scripted"})
            if step[0] == "errcode":
                return self._answer(200, {"errcode": step[1], "errmsg": "scripted"})
            try:
                with server.lock:
                    server.check(parts.path, query, headers, raw)
                    server.messages.append(json.loads(raw))
                    server.headers.append(headers)
            except Refused as refused:
                server.refused.append(refused.body)
                return self._answer(refused.status, refused.body)
            if step[0] == "drop":
                self.close_connection = True
                return None
            if step[0] == "delay":
                time.sleep(step[1])
            ok = {"errcode": 0, "errmsg": "ok"} if server.kind != "webhook" else {"ok": True}
            return self._answer(200, ok)

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
