"""The kiosk application: configuration, démarche catalog and form engine, sessions, sealing.

Nothing in this package imports PySide6; the ``ui`` package subscribes to it.
"""

__version__ = "0.1.0"
