"""The office's users of the web pages: a name and a password hash (scrypt, by werkzeug's
``generate_password_hash``), never the password itself. ``monitor user add|passwd|remove``
keeps them; the login page checks them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from monitor.clock import naive
from monitor.db.tables import users
from monitor.errors import InputError

__all__ = ["MIN_PASSWORD", "add_user", "check_user", "remove_user", "set_password", "user_names"]

#: The shortest password accepted.
MIN_PASSWORD = 10
_U = users.c
#: Checked against when the user does not exist, so that a wrong name costs as long as a
#: wrong password (no telling which names exist by the time it takes).
_NOBODY = generate_password_hash("no user has this password", method="scrypt")


def _checked(name: str, password: str) -> tuple[str, str]:
    name = name.strip()
    if not name or len(name) > 64:
        raise InputError("a user name is 1 to 64 characters")
    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password has at least {MIN_PASSWORD} characters")
    return name, generate_password_hash(password, method="scrypt")


def add_user(conn: sa.Connection, name: str, password: str, now: dt.datetime) -> None:
    """A new user; :class:`InputError` when the name is taken or the password too short."""
    name, hashed = _checked(name, password)
    if conn.execute(sa.select(_U.id).where(_U.name == name)).first() is not None:
        raise InputError(f"user {name!r} exists already (monitor user passwd changes a password)")
    conn.execute(users.insert().values(name=name, password_hash=hashed, created_at=naive(now)))


def set_password(conn: sa.Connection, name: str, password: str) -> None:
    """A new password for ``name``."""
    name, hashed = _checked(name, password)
    done = conn.execute(users.update().where(_U.name == name).values(password_hash=hashed))
    if not done.rowcount:
        raise InputError(f"there is no user {name!r} (monitor user add makes one)")


def remove_user(conn: sa.Connection, name: str) -> None:
    """Remove ``name``: the user can no longer log in."""
    done = conn.execute(users.delete().where(_U.name == name.strip()))
    if not done.rowcount:
        raise InputError(f"there is no user {name!r}")


def check_user(conn: sa.Connection, name: str, password: str) -> bool:
    """Whether ``name`` exists and ``password`` is theirs."""
    hashed = conn.execute(sa.select(_U.password_hash).where(_U.name == name.strip())).scalar()
    ok = check_password_hash(hashed or _NOBODY, password)
    return bool(hashed) and ok


def user_names(conn: sa.Connection) -> list[str]:
    """Every user's name, sorted."""
    return [str(n) for n in conn.execute(sa.select(_U.name).order_by(_U.name)).scalars()]
