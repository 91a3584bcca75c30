"""One HTTP POST of a robot or webhook message, and what its failures mean for the outbox.

The request is written whole before the platform can act on it (it reads a JSON body of a
stated length), so the outbox marks the message in flight (``journal.committing()``) just
before sending it, and records it delivered (``journal.accepted``) as soon as the platform's
success answer is read. Between the two lies the crash window: a process killed there, or
an answer that never comes (a read timeout, a connection dropped after the request went),
leaves the message in doubt (:class:`InDoubtError`), never sent a second time by itself.
Before it — no connection, a refused or timed-out connect, the request not written — the
platform cannot have the message: a :class:`TransientError` with the receiver down.

The address carries the robot's token: it appears in no error, log or answer (errors name
the receiver and the host only).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from monitor.notify.receiver import (
    NO_JOURNAL,
    InDoubtError,
    Journal,
    PermanentError,
    TransientError,
)
from monitor.notify.robots.pace import Pacer

__all__ = ["Answer", "check_errcode", "host_of", "http_failure", "post", "post_checked"]

# httpx logs every request's whole address at INFO, and a robot's address holds its token.
logging.getLogger("httpx").setLevel(logging.WARNING)

#: Seconds to connect: a platform that does not take the connection by then is down.
CONNECT_SECONDS = 10.0
_SHOWN_BODY = 300


@dataclass(frozen=True)
class Answer:
    """The platform's answer: its HTTP ``status``, the JSON ``data`` (None when the body is
    not a JSON object) and the ``text`` (shortened)."""

    status: int
    data: dict[str, Any] | None
    text: str


def host_of(url: str) -> str:
    """The host (and port) of ``url``: what an error may show of it."""
    return urlsplit(url).netloc.rpartition("@")[2] or "?"


def post(
    where: str,
    url: str,
    body: Mapping[str, Any],
    *,
    timeout: float,
    pacer: Pacer,
    headers: Mapping[str, str] | None = None,
    journal: Journal = NO_JOURNAL,
    recipients: Sequence[str] = (),
    raw: bytes | None = None,
) -> Answer:
    """POST ``body`` as JSON (or the ``raw`` bytes) to ``url`` and return the answer, paced.
    ``where`` names the receiver in errors. The caller decides whether the answer is a
    success; a success it then reports to the ``journal`` itself."""
    content = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    sent_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    limits = httpx.Timeout(timeout, connect=min(timeout, CONNECT_SECONDS))
    host = host_of(url)
    pacer.wait()
    try:
        with httpx.Client(timeout=limits, trust_env=False, follow_redirects=False) as client:
            request = client.build_request("POST", url, content=content, headers=sent_headers)
            journal.committing()
            try:
                response = client.send(request)
            finally:
                pacer.finished()
    except (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.WriteError,
        httpx.WriteTimeout,
        httpx.PoolTimeout,
    ) as exc:
        raise TransientError(
            f"{where}: cannot reach {host} ({_reason(exc)})", receiver_down=True
        ) from exc
    except (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError) as exc:
        raise InDoubtError(
            f"{where}: {host} took the message but its answer did not come ({_reason(exc)}):"
            " it may have been delivered"
        ) from exc
    except httpx.HTTPError as exc:  # an address httpx refuses, a protocol it lacks
        raise PermanentError(f"{where}: cannot post to {host}: {_reason(exc)}") from exc
    return _answer(response)


def _answer(response: httpx.Response) -> Answer:
    text = response.text
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    return Answer(
        response.status_code,
        data if isinstance(data, dict) else None,
        " ".join(text.split())[:_SHOWN_BODY],
    )


def http_failure(where: str, url: str, answer: Answer) -> TransientError | PermanentError:
    """The error of an answer that is not a success by HTTP status: 429 and 5xx are worth
    a retry (the receiver is down for this pass), any other status is not."""
    said = f"{where}: {host_of(url)} answered HTTP {answer.status}" + (
        f": {answer.text}" if answer.text else ""
    )
    if answer.status == 429 or answer.status >= 500:
        return TransientError(said, receiver_down=True)
    # A wrong address or token (401, 403, 404) fails every message alike: the receiver is down.
    return PermanentError(said, receiver_down=answer.status in (401, 403, 404, 410))


def check_errcode(
    where: str, url: str, answer: Answer, retry: Mapping[int, str], down: Collection[int]
) -> None:
    """Nothing when a robot platform's ``answer`` is a success (HTTP 200, ``errcode`` 0); else
    the error: a retry for the codes of ``retry`` (code → why), the receiver down for those
    of ``down`` (its address or configuration is wrong for every message)."""
    if answer.status != 200:
        raise http_failure(where, url, answer)
    code = (answer.data or {}).get("errcode")
    if code == 0:
        return
    said = f"{where} refused the message: errcode {code}, {answer.text}"
    if code in retry:
        raise TransientError(f"{said} ({retry[code]})", receiver_down=True)
    raise PermanentError(said, receiver_down=code in down)


def post_checked(
    robot: Any,
    url: str,
    body: dict[str, Any],
    recipients: Sequence[str] | None,
    journal: Journal,
    retry: Mapping[int, str],
    down: Collection[int],
) -> None:
    """One POST of a robot platform that answers ``{"errcode": …}`` (钉钉, 企业微信): the
    answer kept as the robot's ``last_answer``, then checked (:func:`check_errcode`), the
    recipients recorded as accepted. ``robot`` has ``where``, ``timeout`` and ``pacer``."""
    answer = post(robot.where, url, body, timeout=robot.timeout, pacer=robot.pacer, journal=journal)
    robot.last_answer = answer.text
    check_errcode(robot.where, url, answer, retry, down)
    journal.accepted(list(recipients or ()))


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
