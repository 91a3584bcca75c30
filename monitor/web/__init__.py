"""The web pages (``monitor web``): departments answer their warnings from the signed link in
each alert (预警处理反馈), and the office reviews the answers (审核).

``links`` signs and reads the links; ``cases`` keeps the source's cases in memory for the
pages (reloaded when the source changes; a partitioned dataset's case is looked up in its
partitions instead); ``forms`` checks an answer; ``case_pages`` serves
the case page and takes the answer; ``app`` builds the Flask application (CSRF protection,
signed session cookies) and ``server`` runs it under waitress.

May import: ``monitor.alerts``, ``monitor.engine``, ``monitor.cases``, ``monitor.db``,
``monitor.config``, the
top-level helpers (``clock``, ``errors``, ``mask``, ``templating``, ``text``), ``rules``.
Never ``daemon`` or ``cli``.
"""
