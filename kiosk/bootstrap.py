"""Assembling the application from a validated configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.app import KioskApp
from kiosk.assist import AssistMode
from kiosk.catalog import Catalog, catalog_dir, load_catalog
from kiosk.config import Config
from kiosk.devices import build_devices
from kiosk.mediateurs import MediateurRegistry
from kiosk.stats import SessionStats
from kiosk.sync.worker import sync_worker
from offline_cache import Store, StoreError
from offline_cache.encryption import encryptor
from offline_cache.journal import Journal

if TYPE_CHECKING:
    from kiosk.receiver import Receiver


def build_app(
    config: Config, catalog: Catalog | None = None, synchronous_devices: bool = False
) -> KioskApp:
    """Open the store and the devices; ``catalog`` is loaded here when not given."""
    if catalog is None:
        catalog = load_catalog(catalog_dir(config))
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(
            f"cannot create the data directory {config.data_dir}: {exc.strerror}",
            code="io_error",
        ) from exc
    store = Store.open(config.data_dir, encrypt=encryptor(config["sync.backend_public_key"]))
    app = KioskApp(config, catalog, store, build_devices(config, synchronous=synchronous_devices))
    # Built here, started by the caller that owns the process (the screen, or the tests).
    app.sync = sync_worker(store, config)
    app.stats = SessionStats(store)
    app.assist = AssistMode(
        MediateurRegistry(store),
        Journal(store),
        card_pin=app.devices.cardreader.verify_pin,
        max_failures=config["assist.max_pin_failures"],
        lockout_s=float(config["assist.lockout_s"]),
    )
    return app


def start_demo_backend(config: Config) -> tuple[Config, Receiver]:
    """The demo's own backend: the reference receiver on 127.0.0.1, in this process, with a
    token of this run in a process-only keyring. Its data goes with the demo's directory."""
    import secrets
    from dataclasses import replace

    from kiosk.credentials import use_demo_token
    from kiosk.receiver import Receiver

    token = secrets.token_urlsafe(24)
    receiver = Receiver(config.data_dir / "demo-backend", token).start()
    use_demo_token(token)
    values = {**config.values, "sync.backend_url": receiver.url}
    return replace(config, values=values), receiver
