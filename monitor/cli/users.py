"""The ``user`` commands (the office's users of the web pages). Registered on the group by
:mod:`monitor.cli`."""

from __future__ import annotations

import click

from monitor.cli.app import State, common_options, parse_at

__all__ = ["COMMANDS"]


@click.group("user")
def user_group() -> None:
    """The office's users of the web pages (logins for the review pages).

    \b
    Examples:
      monitor user add zhangsan
      monitor user passwd zhangsan
      monitor user remove zhangsan
      monitor user list
    """


_password = click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password (asked for, twice, when not given; at least 10 characters).",
)


@user_group.command("add")
@click.argument("name")
@_password
@common_options
def user_add(state: State, name: str, password: str) -> None:
    """Add user NAME (the password is stored hashed, never as typed).

    \b
    Example:
      monitor user add zhangsan
    """
    from monitor.web.users import add_user

    with state.database() as engine, engine.begin() as conn:
        add_user(conn, name, password, parse_at(None))
    click.echo(f"user {name} added")


@user_group.command("passwd")
@click.argument("name")
@_password
@common_options
def user_passwd(state: State, name: str, password: str) -> None:
    """Give user NAME a new password.

    \b
    Example:
      monitor user passwd zhangsan
    """
    from monitor.web.users import set_password

    with state.database() as engine, engine.begin() as conn:
        set_password(conn, name, password)
    click.echo(f"password of {name} changed")


@user_group.command("remove")
@click.argument("name")
@common_options
def user_remove(state: State, name: str) -> None:
    """Remove user NAME: they can no longer log in.

    \b
    Example:
      monitor user remove zhangsan
    """
    from monitor.web.users import remove_user

    with state.database() as engine, engine.begin() as conn:
        remove_user(conn, name)
    click.echo(f"user {name} removed")


@user_group.command("list")
@common_options
def user_list(state: State) -> None:
    """List the users' names.

    \b
    Example:
      monitor user list
    """
    from monitor.web.users import user_names

    with state.database() as engine, engine.connect() as conn:
        names = user_names(conn)
    click.echo("\n".join(names) if names else "no users (monitor user add NAME makes one)")


#: The commands of this module, registered on the group by :mod:`monitor.cli`.
COMMANDS = (user_group,)
