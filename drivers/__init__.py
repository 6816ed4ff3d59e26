"""Device drivers: one sub-package per device family.

Each family has a small interface (``interface.py``), a simulator with fault knobs
(``simulated.py``) and, in later work, the real implementation. Nothing here imports
``kiosk``, ``ui`` or PySide6: drivers are usable from any thread and from the CLI.
"""
