"""Alerts: the warning ledger and the alert job.

``ledger`` folds an evaluation into the ``warnings`` table and reads it back (all SQL on
``warnings`` and ``warning_events``); ``acks`` keeps acknowledgements and silences;
``choose`` decides which open warnings go out now (new, raised, repeated; silenced and
acknowledged ones suppressed); ``routing`` groups them by recipient list; ``run`` is the job
(``monitor alert`` and the daemon's ``scan``): evaluate → ledger → choose → route → render →
queue → deliver.

May import: ``monitor.cases``, ``monitor.store``, ``monitor.notify``, ``monitor.db``,
``monitor.config``, the top-level helpers, ``rules``. Never ``reports``, ``daemon`` or ``cli``.
"""
