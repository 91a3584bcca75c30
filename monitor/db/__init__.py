"""The monitor's own database: engine and migrations (``engine``), tables (``tables``), the
record of job runs (``runs``: all SQL on the ``runs`` table) and the helpers that turn query
results into typed DataFrames (``frames``).

May import: ``monitor.config``, ``monitor.errors``, ``monitor.clock``. It knows nothing of
cases, alerts or reports; they bring their own queries on their own tables.
"""
