"""The case store (``[store]``): the normalised cases and their evaluated obligations, kept
between runs as a Parquet dataset partitioned by month of submission, so that a run reads
only what changed in the source and evaluates only the changed and the open cases.

``layout`` (the folder, its generations and the atomic switch, the write lock), ``parts``
(reading and writing a generation's files), ``changes`` (reading the source, whole or what
changed), ``fingerprint`` (of the calendar year by year, and of the rules), ``state`` (the
``store_state`` rows), ``write`` (a generation from an evaluation), ``update`` (one run),
``use`` (the evaluation a command works from), ``verify`` (the store against the source).

May import: ``monitor.cases``, ``monitor.db``, ``monitor.config``, the top-level helpers,
``rules``.
"""
