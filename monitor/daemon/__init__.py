"""Running unattended: the scheduled jobs (``jobs``: scan, report, annual as plain functions
of settings and ``now``), the APScheduler daemon (``scheduler``), the locks that keep two
runs of one job apart (``lock``), logging (``logs``) and the mail to the monitor's admins
(``admin``).

May import: ``monitor.store``, ``monitor.alerts``, ``monitor.reports``, ``monitor.notify``,
``monitor.cases``, ``monitor.db``, ``monitor.config``, the top-level helpers, ``rules``.
Never ``cli``.
"""
