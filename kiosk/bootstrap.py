"""Assembling the application from a validated configuration."""

from __future__ import annotations

import logging
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

LOG = logging.getLogger("kiosk")


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
    app.journal = Journal(store)
    app.assist = _assist_mode(config, store, app)
    return app


def _assist_mode(config: Config, store: Store, app: KioskApp) -> AssistMode | None:
    """The médiateur's mode, when the badge key is in the keyring (the demo makes one)."""
    from kiosk.credentials import badge_key, use_demo_secrets

    key = badge_key()
    if key is None and config.demo:
        import secrets

        use_demo_secrets(secrets.token_urlsafe(24))
        key = badge_key()
    if key is None:
        LOG.warning("no badge key in the keyring: the assist mode is off")
        return None
    return AssistMode(
        MediateurRegistry(store, key),
        Journal(store),
        card_pin=app.devices.cardreader.verify_pin,
        max_failures=config["assist.max_pin_failures"],
        lockout_s=float(config["assist.lockout_s"]),
    )


def start_demo_backend(config: Config) -> tuple[Config, Receiver]:
    """The demo's own backend: the reference receiver on 127.0.0.1, in this process, with a
    token of this run in a process-only keyring. Its data goes with the demo's directory."""
    import secrets
    from dataclasses import replace

    from kiosk.credentials import use_demo_secrets
    from kiosk.receiver import Receiver

    token = secrets.token_urlsafe(24)
    receiver = Receiver(config.data_dir / "demo-backend", token).start()
    use_demo_secrets(token)
    values = {**config.values, "sync.backend_url": receiver.url}
    return replace(config, values=values), receiver
