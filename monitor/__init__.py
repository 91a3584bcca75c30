"""The 办件 monitor: the application around :mod:`rules` (config, loading, CLI, jobs)."""

__version__ = "0.1.0"
