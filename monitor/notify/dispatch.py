"""Which receiver takes each stored message of a delivery pass: the mail transport, or a
robot or webhook receiver by name (``robot:NAME`` recipients)."""

from __future__ import annotations

from typing import Any

from monitor.config import Settings
from monitor.errors import MonitorError
from monitor.notify.receiver import DeliveryError, PermanentError, Receiver, TransientError

__all__ = ["Receivers"]


class Receivers:
    """The receiver of each message of a pass: the mail transport, or a robot or webhook
    receiver by name (made once per pass; one that cannot be made fails its messages as
    a receiver that is down, so they wait for the configuration to be fixed)."""

    def __init__(self, transport: Receiver, settings: Settings) -> None:
        self.transport = transport
        self.settings = settings
        self.made: dict[str, Receiver] = {}

    def get(self, name: str) -> Receiver:
        if not name:
            return self.transport
        if name not in self.made:
            self.made[name] = self._make(name)
        return self.made[name]

    def _make(self, name: str) -> Receiver:
        config = self.settings.receivers.get(name)
        if config is None:
            return _Refusing(PermanentError(f"receiver {name} is no longer configured"))
        try:
            from monitor.notify.robots import robot_receiver

            return robot_receiver(name, config)
        except MonitorError as exc:  # its address or secret is not in the environment
            return _Refusing(TransientError(f"receiver {name}: {exc}", receiver_down=True))


class _Refusing:
    """A receiver that fails every message with ``error``."""

    def __init__(self, error: DeliveryError) -> None:
        self.error = error

    def send(self, message: Any, recipients: Any = None, journal: Any = None) -> None:
        raise self.error
