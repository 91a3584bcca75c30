"""The demo: a synthetic county (``synth``, also used by the tests and benchmarks) and
``monitor demo`` (``run``), which generates one and runs the main job on it.

May import: ``monitor.cases``, ``monitor.alerts``, ``monitor.reports``, ``monitor.config``,
the top-level helpers, ``rules``.
"""
