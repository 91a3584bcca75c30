"""Period reports (DOMAIN.md §5): the figures of a month, quarter or year as HTML, JSON and
Excel, the index of reports, and the report mail.

``data`` builds :class:`~monitor.reports.data.ReportData` from one evaluation; ``html``,
``excel`` and ``chart`` render it; ``format`` and ``words`` hold the numbers' and words'
rules; ``run`` is the job (``monitor report`` and the daemon's ``report`` and ``annual``).

May import: ``monitor.cases``, ``monitor.store``, ``monitor.alerts`` (the ledger's warning
counts), ``monitor.notify``, ``monitor.db``, ``monitor.config``, the top-level helpers, ``rules``.
Never ``daemon`` or ``cli``.
"""
