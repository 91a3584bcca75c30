"""Notifications: the outbox and the receivers behind one interface.

``outbox`` stores every message before it is sent and delivers it at most once, retrying
what a receiver says is worth retrying. ``receiver`` is that interface: a receiver's
``send`` returns or raises :class:`~monitor.notify.receiver.DeliveryError`, whose ``retry``
says whether to try again later. ``mail/`` is today's receiver (render, message, transport,
templates); 钉钉, 企业微信 and webhook receivers slot in beside it.

May import: ``monitor.db``, ``monitor.config``, the top-level helpers (``clock``,
``errors``, ``mask``, ``templating``, ``text``), ``rules.calendar``. Never ``cases``,
``alerts`` or ``reports``: they hand the outbox rendered messages.
"""
