"""Assembling the application from a validated configuration."""

from __future__ import annotations

from kiosk.app import KioskApp
from kiosk.catalog import Catalog, catalog_dir, load_catalog
from kiosk.config import Config
from kiosk.devices import build_devices
from offline_cache import Store, StoreError
from offline_cache.encryption import encryptor


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
    return KioskApp(config, catalog, store, build_devices(config, synchronous=synchronous_devices))
