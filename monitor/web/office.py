"""The office's login to its pages (``/office/login``, ``/office/logout``) and what every
office page needs: the signed-in user, relative addresses, the login check.

A login is a signed session cookie holding the user's name, checked against the users table
on every request (a user removed by ``monitor user remove`` is out at once). Failed logins
are rate-limited per network address and per user name (:class:`~monitor.web.throttle.
Throttle`); the page then says when to try again (status 429).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, g, redirect, request, session

from monitor.db.tables import users
from monitor.web.render import page, state
from monitor.web.users import check_user

__all__ = ["blueprint", "office_root", "signed_in"]

blueprint = Blueprint("office", __name__, url_prefix="/office")


def office_root() -> str:
    """The relative address of ``/office/`` from the page being served (``./`` or ``../``…):
    the pages may sit under a prefix the reverse proxy strips, so no address is absolute."""
    depth = request.path.removeprefix("/office/").count("/")
    return "../" * depth or "./"


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """The office page ``view`` for a signed-in user (``g.user``); others go to the login."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = session.get("user")
        if isinstance(name, str):
            with state().engine.connect() as conn:
                known = conn.execute(sa.select(users.c.id).where(users.c.name == name)).first()
            if known is not None:
                g.user = name
                return view(*args, **kwargs)
        session.pop("user", None)
        return redirect(office_root() + "login", code=303)

    return wrapper


@blueprint.get("/login")
def login_form() -> Response:
    """The login form."""
    return page("web/login.html.j2", name="", problem=None, root=office_root())


@blueprint.post("/login")
def login() -> Any:
    """Sign in, or the form again with why not (401; 429 while attempts are refused)."""
    monitor = state()
    name = (request.form.get("name") or "").strip()[:64]
    password = request.form.get("password") or ""
    keys = [f"addr:{request.remote_addr}", f"user:{name}"]
    wait = monitor.throttle.wait(keys)
    if wait > 0:
        minutes = math.ceil(wait / 60)
        problem = f"登录失败次数过多，请 {minutes} 分钟后再试。"
        return page("web/login.html.j2", status=429, name=name, problem=problem, root="./")
    with monitor.engine.connect() as conn:
        ok = bool(name) and check_user(conn, name, password)
    if not ok:
        monitor.throttle.failed(keys)
        problem = "用户名或密码不正确。"
        return page("web/login.html.j2", status=401, name=name, problem=problem, root="./")
    monitor.throttle.succeeded(keys)
    session.clear()  # a new session for the signed-in user (no fixation)
    session.permanent = True
    session["user"] = name
    return redirect("./", code=303)


@blueprint.post("/logout")
def logout() -> Any:
    """Sign out."""
    session.clear()
    return redirect("login", code=303)
