"""The ``web`` command. Registered on the group by :mod:`monitor.cli`."""

from __future__ import annotations

import click

from monitor.cli.app import State, common_options

__all__ = ["COMMANDS"]


@click.command("web")
@click.option("--host", default=None, help="Address to listen on (default: [web] host).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: [web] port).")
@common_options
def web_cmd(state: State, host: str | None, port: int | None) -> None:
    """Serve the pages departments answer their warnings from (the links in alert mail),
    and the office's pages at /office/ (users: monitor user add).

    Runs the Flask application under waitress until stopped (Ctrl-C or SIGTERM). It listens
    on 127.0.0.1:8080 by default: put the office's reverse proxy in front of it and set
    [web] base_url to the address departments reach (deploy/nginx-monitor.conf). The secret
    that signs links and sessions comes from the variable [web] secret_env names.

    \b
    Examples:
      monitor web
      monitor web --host 0.0.0.0 --port 8081 --config /etc/banjian/config.toml
    """
    from waitress import serve

    from monitor.web.app import create_app

    settings = state.settings()
    with state.database() as engine:
        app = create_app(settings, engine)
        where = f"{host or settings.web.host}:{port or settings.web.port}"
        click.echo(
            f"serving the case pages (/c/…) and the office pages on http://{where}/office/ "
            "(Ctrl-C to stop)",
            err=True,
        )
        serve(app, host=host or settings.web.host, port=port or settings.web.port, threads=8)


#: The commands of this module, registered on the group by :mod:`monitor.cli`.
COMMANDS = (web_cmd,)
