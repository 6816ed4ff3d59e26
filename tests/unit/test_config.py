"""The operator configuration: a declared schema, strict about unknown keys and bad values."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from kiosk import config as config_module
from kiosk.config import (
    KIOSK_CODE_ALPHABET,
    SCHEMA,
    ConfigError,
    build_config,
    load_config,
    reference,
)
from tests.support.backend_key import SYNC_TABLE, SYNC_TOML

BACKEND_KEYS = [s.key for s in SCHEMA if s.key.endswith(".backend")]
IDENTITY = {"id": "borne-33-01", "code": "B7K"}  # required outside the demo


def with_identity(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with the kiosk's identity added where the test does not set it."""
    raw = {**raw, "sync": {**SYNC_TABLE, **raw.get("sync", {})}}
    kiosk = raw.get("kiosk")
    return (
        {**raw, "kiosk": {**IDENTITY, **kiosk}}
        if isinstance(kiosk, dict)
        else ({**raw, "kiosk": dict(IDENTITY)} if "kiosk" not in raw else raw)
    )


def build(raw: dict[str, Any], source: str = "x", **kwargs: Any) -> Any:
    return build_config(with_identity(raw), source, **kwargs)


def config_error(raw: dict[str, Any], source: str = "kiosk.toml") -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        build(raw, source)
    return caught.value


# --- defaults ------------------------------------------------------------------------------


def test_the_kiosk_identity_is_required_outside_the_demo() -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({}, "kiosk.toml")
    assert (caught.value.key, caught.value.reason) == (
        "kiosk.id",
        "obligatoire : à renseigner dans le fichier",
    )
    with pytest.raises(ConfigError) as caught:
        build_config({"kiosk": {"id": "borne-1"}}, "kiosk.toml")
    assert caught.value.key == "kiosk.code"


def test_the_demo_has_its_own_identity() -> None:
    config = build_config({}, "x", demo=True)
    assert (config["kiosk.id"], config["kiosk.code"]) == ("demo-kiosk", "DEM")


@pytest.mark.parametrize("kiosk_id", ["", " ", "borne 1", "é", "x" * 65])
def test_a_bad_kiosk_id_is_rejected(kiosk_id: str) -> None:
    error = config_error({"kiosk": {"id": kiosk_id}})
    assert error.key == "kiosk.id"


def test_a_file_with_the_identity_gives_every_other_default() -> None:
    config = build({}, "x")
    expected = {s.key: s.default for s in SCHEMA}
    expected.update({"kiosk.id": IDENTITY["id"], "kiosk.code": IDENTITY["code"]})
    expected["sync.backend_public_key"] = SYNC_TABLE["backend_public_key"]
    assert dict(config.values) == expected
    assert config.source == "x"
    assert config.demo is False
    assert config["session.idle_warning_s"] == 90
    assert config.data_dir == Path("/var/lib/point-numerique")


def test_every_default_passes_its_own_check() -> None:
    for setting in SCHEMA:
        default = setting.default if setting.default is not None else setting.demo_default
        assert isinstance(default, setting.type), setting.key
        if setting.check is not None:
            assert setting.check.reason(default) is None, setting.key


def test_valid_values_are_kept() -> None:
    config = build_config(
        {
            "kiosk": {"id": "borne-33-01", "code": "B7K"},
            "sync": SYNC_TABLE,
            "session": {"idle_warning_s": 120},
            "ui": {"fullscreen": False},
            "simulator": {"delay_s": 0.25, "printer_fault": "paper_out"},
        },
        "x",
    )
    assert config["kiosk.id"] == "borne-33-01"
    assert config["kiosk.code"] == "B7K"
    assert config["session.idle_warning_s"] == 120
    assert config["ui.fullscreen"] is False
    assert config["simulator.delay_s"] == 0.25
    assert config["simulator.printer_fault"] == "paper_out"
    assert config["session.idle_countdown_s"] == 30  # untouched keys keep their default


# --- unknown keys --------------------------------------------------------------------------


def test_an_unknown_top_level_key_names_the_file_and_the_key() -> None:
    error = config_error({"colour": "blue"}, "/etc/point-numerique/kiosk.toml")
    assert error.source == "/etc/point-numerique/kiosk.toml"
    assert error.key == "colour"
    assert "clé inconnue" in error.reason
    assert str(error).startswith("/etc/point-numerique/kiosk.toml: colour: clé inconnue")


def test_an_unknown_key_in_a_known_table_is_named_with_its_dots() -> None:
    error = config_error({"scanner": {"backend": "simulated", "foo": 1}})
    assert (error.source, error.key) == ("kiosk.toml", "scanner.foo")
    assert "clé inconnue" in error.reason


def test_a_typo_in_a_table_name_is_caught() -> None:
    error = config_error({"sesion": {"idle_warning_s": 60}})
    assert error.key == "sesion.idle_warning_s"


def test_a_table_where_a_value_is_expected_is_an_unknown_key() -> None:
    error = config_error({"kiosk": {"id": {"name": "x"}}})
    assert error.key == "kiosk.id.name"


# --- types and ranges ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key", "expected", "got"),
    [
        ({"session": {"idle_warning_s": "90"}}, "session.idle_warning_s", "int", "str"),
        ({"session": {"idle_warning_s": 90.5}}, "session.idle_warning_s", "int", "float"),
        ({"session": {"idle_warning_s": True}}, "session.idle_warning_s", "int", "bool"),
        ({"ui": {"fullscreen": 1}}, "ui.fullscreen", "bool", "int"),
        ({"ui": {"fullscreen": "false"}}, "ui.fullscreen", "bool", "str"),
        ({"kiosk": {"id": 42}}, "kiosk.id", "str", "int"),
        ({"simulator": {"delay_s": "0.5"}}, "simulator.delay_s", "float", "str"),
        ({"simulator": {"delay_s": False}}, "simulator.delay_s", "float", "bool"),
    ],
)
def test_a_wrong_type_names_the_key_and_both_types(
    raw: dict[str, Any], key: str, expected: str, got: str
) -> None:
    error = config_error(raw)
    assert error.key == key
    assert f"type attendu : {expected}, reçu : {got}" in error.reason


def test_an_int_is_accepted_where_a_float_is_expected() -> None:
    config = build({"simulator": {"delay_s": 2}})
    assert config["simulator.delay_s"] == 2.0
    assert isinstance(config["simulator.delay_s"], float)


@pytest.mark.parametrize(
    ("raw", "key", "bad"),
    [
        ({"session": {"idle_warning_s": 9}}, "session.idle_warning_s", "9"),
        ({"session": {"idle_warning_s": 3601}}, "session.idle_warning_s", "3601"),
        ({"session": {"idle_countdown_s": 4}}, "session.idle_countdown_s", "4"),
        ({"scanner": {"resolution_dpi": 1200}}, "scanner.resolution_dpi", "1200"),
        ({"simulator": {"delay_s": -0.5}}, "simulator.delay_s", "-0.5"),
        ({"simulator": {"delay_s": float("nan")}}, "simulator.delay_s", "nan"),
    ],
)
def test_an_out_of_range_value_names_the_key_the_bounds_and_the_value(
    raw: dict[str, Any], key: str, bad: str
) -> None:
    error = config_error(raw)
    assert error.key == key
    assert "doit être entre" in error.reason
    assert f"(reçu : {bad})" in error.reason


def test_range_bounds_are_inclusive() -> None:
    low = build({"session": {"idle_warning_s": 10}})
    high = build({"session": {"idle_warning_s": 3600}})
    assert (low["session.idle_warning_s"], high["session.idle_warning_s"]) == (10, 3600)


def test_a_value_outside_a_closed_list_names_the_allowed_ones() -> None:
    error = config_error({"kiosk": {"log_level": "TRACE"}})
    assert error.key == "kiosk.log_level"
    assert "valeurs permises : DEBUG, INFO, WARNING" in error.reason
    error = config_error({"scanner": {"backend": "twain"}})
    assert error.key == "scanner.backend"
    assert "valeurs permises : simulated, sane" in error.reason


# --- kiosk.code ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["DEM", "B7K", "ZZZ", "234", "XY9"])
def test_a_kiosk_code_of_three_unambiguous_characters_is_accepted(code: str) -> None:
    assert build({"kiosk": {"code": code}})["kiosk.code"] == code


@pytest.mark.parametrize(
    "code", ["", "DE", "DEMO", "dem", "D0M", "DOM", "D1M", "DIM", "DLM", "DUM", "DE-", " DE"]
)
def test_a_bad_kiosk_code_is_rejected(code: str) -> None:
    error = config_error({"kiosk": {"code": code}})
    assert error.key == "kiosk.code"
    assert "3 caractères" in error.reason
    assert repr(code) in error.reason


def test_the_kiosk_code_alphabet_has_no_ambiguous_character() -> None:
    assert not set("01OILU") & set(KIOSK_CODE_ALPHABET)
    assert len(set(KIOSK_CODE_ALPHABET)) == len(KIOSK_CODE_ALPHABET) == 30


# --- demo ----------------------------------------------------------------------------------


def test_demo_forces_every_backend_to_its_simulator_and_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Only the simulators exist yet, so let each backend key accept any value for this test:
    # the demo must override whatever the file says.
    assert len(BACKEND_KEYS) == 4
    for key in BACKEND_KEYS:
        monkeypatch.setitem(
            config_module.SETTINGS,
            key,
            dataclasses.replace(config_module.SETTINGS[key], check=None),
        )
    raw = {key.split(".")[0]: {"backend": "real-device"} for key in BACKEND_KEYS}
    raw["kiosk"] = {"data_dir": "/var/lib/point-numerique"}

    assert build(raw)["scanner.backend"] == "real-device"  # not forced otherwise
    config = build_config(raw, "x", demo=True, demo_data_dir=tmp_path)
    assert config.demo is True
    assert {key: config[key] for key in BACKEND_KEYS} == dict.fromkeys(BACKEND_KEYS, "simulated")
    assert config.data_dir == tmp_path
    assert config["kiosk.data_dir"] == str(tmp_path)


def test_demo_without_a_data_dir_keeps_the_configured_one() -> None:
    config = build_config({"kiosk": {"data_dir": "/srv/demo"}}, "x", demo=True)
    assert config.data_dir == Path("/srv/demo")


def test_demo_still_rejects_a_bad_file() -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({"nope": 1}, "x", demo=True)
    assert caught.value.key == "nope"


# --- load_config ---------------------------------------------------------------------------


def test_load_config_reads_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'{SYNC_TOML}[kiosk]\nid = "borne-1"\ncode = "K2P"\n\n[session]\nidle_warning_s = 45\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.source == str(path)
    assert (config["kiosk.id"], config["kiosk.code"]) == ("borne-1", "K2P")
    assert config["session.idle_warning_s"] == 45


def test_load_config_without_a_path_gives_the_demo_defaults() -> None:
    with pytest.raises(ConfigError):
        load_config(None)  # outside the demo, the identity is missing
    config = load_config(None, demo=True)
    assert config.source == "(defaults)"
    assert config["session.idle_warning_s"] == 90


def test_a_malformed_toml_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk]\nid = borne sans guillemets\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.source == str(path)
    assert "TOML invalide" in caught.value.reason
    assert str(path) in str(caught.value)


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.source == str(path)
    assert caught.value.reason == "fichier introuvable"


def test_a_file_that_is_not_utf8_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b'[kiosk]\nsite_name = "Pr\xe9fecture"\n')  # Latin-1
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.source == str(path)
    assert "fichier illisible" in caught.value.reason


def test_an_unknown_key_in_a_file_names_the_file_and_the_dotted_key(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[scanner]\nfoo = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.source, caught.value.key) == (str(path), "scanner.foo")


def test_load_config_passes_demo_through(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[kiosk]\ndata_dir = "/var/lib/ailleurs"\n', encoding="utf-8")
    config = load_config(path, demo=True, demo_data_dir=tmp_path / "demo")
    assert config.demo is True
    assert config.data_dir == tmp_path / "demo"


# --- reference -----------------------------------------------------------------------------


def test_the_reference_lists_every_key_with_its_type_default_and_description() -> None:
    text = reference()
    for setting in SCHEMA:
        default = "aucun : obligatoire" if setting.default is None else repr(setting.default)
        assert f"{setting.key} ({setting.type.__name__}, défaut {default}" in text
        assert setting.description in text
        if setting.check is not None:
            assert f"valeurs : {setting.check.allowed}" in text
    assert len(SCHEMA) == len({s.key for s in SCHEMA})  # no key declared twice


# --- sync ------------------------------------------------------------------------------------


def test_the_documented_example_is_a_valid_configuration() -> None:
    example = Path(__file__).parents[2] / "packaging" / "kiosk.toml.example"
    config = load_config(example)
    assert config["sync.backend_url"].startswith("https://")
    assert config["sync.backend_public_key"].startswith("age1")


def test_the_backend_key_is_required_outside_the_demo() -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({"kiosk": dict(IDENTITY)}, "kiosk.toml")
    assert caught.value.key == "sync.backend_public_key"


@pytest.mark.parametrize(
    "key",
    ["", "age1", "AGE-SECRET-KEY-1H850HA6L8UR6R8G0ANYQ7FXZXDP03GFVJ6MP8XUVW4E6PK9KH35SA6GG3D"],
)
def test_a_backend_key_that_is_not_an_age_public_key_is_rejected(key: str) -> None:
    error = config_error({"sync": {"backend_public_key": key}})
    assert error.key == "sync.backend_public_key"
    assert "age1" in error.reason


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("", True),
        ("https://depot.prefecture.example", True),
        ("https://depot.prefecture.example/borne/v1", True),
        ("http://127.0.0.1:8765", True),
        ("http://depot.prefecture.example", False),  # plain HTTP only to the local receiver
        ("ftp://depot.prefecture.example", False),
        ("https://depot.prefecture.example/?q=1", False),
    ],
)
def test_the_backend_url_must_be_https_except_on_the_loopback(url: str, accepted: bool) -> None:
    if accepted:
        assert build({"sync": {"backend_url": url}})["sync.backend_url"] == url
    else:
        assert config_error({"sync": {"backend_url": url}}).key == "sync.backend_url"
