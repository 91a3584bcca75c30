"""The 办件 monitor: the application around :mod:`rules`, one package per concern.

``cli`` (the ``monitor`` command), ``config``, ``cases`` (sources → evaluated obligations),
``db`` (the monitor's own database), ``alerts`` (the warning ledger and the alert job),
``notify`` (the outbox and its receivers), ``reports``, ``daemon`` (the scheduled jobs) and
``demo``; beside them the helpers every package may use: ``clock``, ``errors``, ``text``,
``mask`` (personal data), ``spreadsheet`` (no formulas in exports), ``templating`` and
``versions`` (what is installed).
Each package's docstring says what it may import.
"""

__version__ = "0.3.0"
