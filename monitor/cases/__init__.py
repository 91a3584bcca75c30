"""Cases: from a source (CSV, Excel, Parquet, SQL) to evaluated obligations, and the
read-only outputs on them.

``sources`` reads raw tables (``encoding`` tells a CSV file's text encoding and finds lines
with stray bytes); ``normalise`` maps them to the canonical fields of DOMAIN.md
§6 with a data-quality list, using ``headers`` (which column feeds which field) and
``timestamps`` (parsing the time columns); ``regions`` gives each case its region
(行政区划代码, ``[regions]``) and names regions; ``load`` does all three for the configured
source; ``reference`` reads the item catalogue and suspension intervals; ``calendar`` builds
the working-day calendar as configured and says which years are covered; ``evaluate`` runs
:mod:`rules` on the loaded cases (the evaluation carries its calendar); ``quality`` counts
the data problems; ``scan_output`` and ``inspect_output`` format what ``monitor scan`` and
``monitor inspect`` print.

May import: ``monitor.config``, the top-level helpers (``errors``, ``clock``, ``text``,
``mask``, ``spreadsheet``), ``rules``. Nothing here writes to a database or sends anything.
"""
