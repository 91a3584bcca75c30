"""The engines (``[engine]``) that evaluate a partitioned source (``[source] dataset``, or the
case store's month files on Dask): this process, one partition after another, or a Dask
cluster, the partitions spread over its workers. Both run the same per-partition work
(``parts``: normalise, assign regions, the rules of :mod:`rules`, the counts the store
keeps) and combine what comes back the same way.

``cluster`` (the Dask client of a run), ``dataset`` (the partitions and reading one),
``parts`` (the work on one partition), ``run`` (the engines, and what a scan or a report
gets from them), ``stored`` (the case store's partitions on the Dask engine).

May import: ``monitor.store``, ``monitor.cases``, ``monitor.config``, the top-level helpers,
``rules``.
"""
