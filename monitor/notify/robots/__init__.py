"""Group robots (钉钉 / 浙政钉, 企业微信) and generic webhooks as receivers of the outbox.

``message`` is what the alert job hands over (:class:`RobotMessage`, stored as JSON in the
outbox); each platform's module turns it into that platform's request, fitted to its size
limit, signed as it requires, paced to its rate limit, and maps the platform's answers to
the outbox's :class:`~monitor.notify.receiver.DeliveryError` kinds.
"""
