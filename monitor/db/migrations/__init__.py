"""Alembic migrations of the monitor's database; applied by :func:`monitor.db.engine.upgrade`.

A regular package (not a namespace one) so that setuptools ships it with ``monitor``; Alembic
itself reads the folder, never imports this module.
"""
