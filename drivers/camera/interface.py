"""Camera interface: a source of frames for the live preview and the identity photo."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class CameraInfo:
    name: str
    width: int
    height: int
    fps: float


@dataclass
class Frame:
    """One frame, 8-bit BGR (H x W x 3), with a monotonic capture time in seconds."""

    image: np.ndarray
    timestamp: float


class Camera(abc.ABC):
    """A camera. ``open`` then ``read`` repeatedly from the camera's own thread."""

    @abc.abstractmethod
    def open(self) -> CameraInfo:
        """Open the device and negotiate the mode; raises DeviceNotFound or DeviceBusy."""

    @abc.abstractmethod
    def read(self) -> Frame:
        """Block until the next frame; raises DeviceDisconnected if the camera went away."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the device; safe to call more than once."""
