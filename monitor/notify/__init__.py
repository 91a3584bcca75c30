"""Notifications: the outbox and the receivers behind one interface.

``outbox`` stores every message before it is sent and delivers it at most once, retrying
what a receiver says is worth retrying; ``sending`` sends one stored message, recording each
step (in flight, accepted by whom) in its own transaction. ``receiver`` is that interface: a
receiver's ``send`` reports to a journal and returns, or raises
:class:`~monitor.notify.receiver.DeliveryError`, whose ``retry`` says whether to try again
later and ``receiver_down`` whether to stop the pass. ``mail/`` is today's receiver (render,
message, the SMTP session, transports, templates); 钉钉, 企业微信 and webhook receivers slot
in beside it.

May import: ``monitor.db``, ``monitor.config``, the top-level helpers (``clock``,
``errors``, ``mask``, ``templating``, ``text``), ``rules.calendar``. Never ``cases``,
``alerts`` or ``reports``: they hand the outbox rendered messages.
"""
