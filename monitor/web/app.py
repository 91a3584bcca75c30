"""The Flask application of the web pages, built from the settings.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure when ``[web] base_url`` is
https) with the secret of ``[web] secret_env``; every form is protected against cross-site
requests (Flask-WTF's CSRF protection); a request that fails it gets a page saying so
(status 400).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from monitor import clock
from monitor.config import Settings, secret
from monitor.web.case_pages import blueprint as case_pages
from monitor.web.cases import CaseSource
from monitor.web.office import blueprint as office
from monitor.web.office_lists import blueprint as office_lists
from monitor.web.render import MonitorState, page
from monitor.web.throttle import Throttle

__all__ = ["create_app"]


def create_app(
    settings: Settings,
    engine: sa.Engine,
    *,
    now: Callable[[], dt.datetime] = clock.now,
    cases: CaseSource | None = None,
) -> Flask:
    """The application for ``settings`` on the monitor's database ``engine``; ``now`` is
    the clock (tests pass a fixed one)."""
    app = Flask(__name__)
    https = (settings.web.base_url or "").startswith("https://")
    app.config.update(
        SECRET_KEY=secret(settings.web.secret_env, "[web] secret_env"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.web.session_hours),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=256 * 1024,
    )
    CSRFProtect(app)
    # Behind the office's reverse proxy (one hop, the server listens on 127.0.0.1): the
    # answerer's address and the scheme come from its X-Forwarded-* headers.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    web = settings.web
    throttle = Throttle(web.login_attempts, web.login_window_minutes * 60.0)
    app.extensions["monitor"] = MonitorState(
        settings, engine, cases or CaseSource(settings), now, throttle
    )
    app.register_blueprint(case_pages)
    app.register_blueprint(office)
    app.register_blueprint(office_lists)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> object:
        return page("web/form_refused.html.j2", status=400, why="csrf")

    return app
