"""Typed device errors.

Low-level exceptions (``_sane.error``, ``OSError`` on a socket, PC/SC errors...) are converted
into these at the driver boundary, so the application maps one closed set of ``code`` values to
plain-language messages. ``code`` is stable: the UI's message table and the logs key on it.
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base class of every error a driver raises on purpose."""

    code = "device_error"

    def __init__(self, device: str, detail: str = "") -> None:
        self.device = device
        self.detail = detail
        super().__init__(f"{device}: {self.code}" + (f" ({detail})" if detail else ""))


class DeviceNotFound(DeviceError):
    """No device of this family is attached or configured."""

    code = "not_found"


class DeviceDisconnected(DeviceError):
    """The device went away during use (unplugged, powered off, link lost)."""

    code = "disconnected"


class DeviceBusy(DeviceError):
    """The device is held by another job or process."""

    code = "busy"


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""

    code = "timeout"


class OperationCancelled(DeviceError):
    """The operation was cancelled by the caller; not a fault."""

    code = "cancelled"


class FeederEmpty(DeviceError):
    code = "feeder_empty"


class PaperJam(DeviceError):
    code = "paper_jam"


class CoverOpen(DeviceError):
    code = "cover_open"


class PaperOut(DeviceError):
    code = "paper_out"


class CardError(DeviceError):
    """The card answered something unusable (unknown card, bad answer to an APDU)."""

    code = "card_error"
