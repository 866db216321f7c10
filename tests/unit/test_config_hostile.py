"""Config a user can really write that the typed keys must still refuse at setup with a ConfigError naming the
source, the key and the problem, never with a traceback and never echoing a secret.

YAML 1.1 (PyYAML) reads an unquoted ``on``/``off``/``yes``/``no`` as a boolean and ``1`` as an integer, so a file
key can be something other than text; ``instrument(config={...})`` can pass any key at all.
"""

from __future__ import annotations

import json

import pytest

from otel_aicost.config.settings import ConfigError, load_settings

SECRET = "sk-proj-abcdefABCDEF1234567890abcdef"


@pytest.mark.parametrize(("text", "shown"), [("on: true\n", "True"), ("1: x\n", "1"), ("~: x\n", "None")])
def test_a_yaml_key_that_is_not_text_is_an_unknown_key(tmp_path, text, shown):
    path = tmp_path / "otel-aicost.yaml"
    path.write_text(text + "currency: EUR\nusd_rate: 0.92\n")
    with pytest.raises(ConfigError) as raised:
        load_settings({"config": str(path)}, environ={})
    assert str(raised.value).startswith(f"{path}: key '{shown}': unknown key (known keys: currency, usd_rate,")


def test_an_argument_key_that_is_not_text_is_an_unknown_key():
    with pytest.raises(ConfigError) as raised:
        load_settings({1: SECRET}, environ={})
    assert str(raised.value).startswith("configure() argument: key '1': unknown key (known keys: currency,")
    assert SECRET not in str(raised.value)


def _catalog(tmp_path, **changes):
    data = {"format": "otel-aicost-prices/1", "source": "test", "imported_at": "2026-12-02",
            "openai": {"gpt-4o": {"input": "2.5", "output": "10"}}}  # fmt: skip
    data.update(changes)
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("rows", [{"openai": ["gpt-4o"]}, {"azure": "gpt-4o"}, {"openai": {"gpt-4o": {"input": {}}}}])
def test_a_price_catalog_of_the_wrong_shape_fails_at_setup_naming_it(tmp_path, rows):
    path = _catalog(tmp_path, **rows)
    with pytest.raises(ConfigError) as raised:
        load_settings({"prices_file": str(path)}, environ={})
    assert str(raised.value).startswith(f"configure() argument: key 'prices_file': {path}")


def test_a_secret_in_a_price_catalog_is_not_echoed(tmp_path):
    path = _catalog(tmp_path, openai={"gpt-4o": {"input": SECRET, "output": "10"}})
    with pytest.raises(ConfigError) as raised:
        load_settings({"prices_file": str(path)}, environ={})
    assert "openai.gpt-4o.input" in str(raised.value) and SECRET not in str(raised.value)


def test_credentials_in_a_prices_url_are_not_echoed():
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"OTEL_AICOST_PRICES": "https://user:pa55w0rd@prices.example/p.json"})
    assert str(raised.value).startswith("environment variable OTEL_AICOST_PRICES: ")
    assert "pa55w0rd" not in str(raised.value)


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"prices": [{"model": "gpt-4o-mini", "input": "1e999999", "output": 1}]}, "prices[0].input"),
        ({"currency": "EUR", "usd_rate": "1e999990"}, "usd_rate"),
        ({"budgets": [{"name": "all", "limit": "1e9999999"}]}, "budgets[0].limit"),
        ({"budgets": [{"name": "all", "limit": 1e300}]}, "budgets[0].limit"),
    ],
)
def test_an_amount_too_large_to_report_fails_at_setup(options, key):
    # Decimal takes 1e999999, but the call's cost then goes on the span as float('inf') (or a budget's
    # thresholds overflow when the instrumentation starts): the config is wrong, so setup says so.
    with pytest.raises(ConfigError) as raised:
        load_settings(options, environ={})
    assert str(raised.value).startswith(f"configure() argument: key '{key}': must be below 10^16")


def test_credentials_in_a_config_file_url_are_not_echoed():
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"OTEL_AICOST_CONFIG": "https://user:pa55w0rd@config.example/otel-aicost.toml"})
    assert "cannot read config file" in str(raised.value) and "pa55w0rd" not in str(raised.value)


@pytest.mark.parametrize(
    ("suffix", "text"),
    [(".toml", 'currency = "EUR"\nusd_rate = 0.92\n'), (".json", '{"currency": "EUR", "usd_rate": 0.92}'),
     (".yaml", "currency: EUR\nusd_rate: 0.92\n")],
)  # fmt: skip
def test_a_config_file_saved_with_a_byte_order_mark_reads_as_without(tmp_path, suffix, text):
    # Windows PowerShell 5's Out-File -Encoding utf8 (and older Notepad) starts UTF-8 files with EF BB BF.
    path = tmp_path / f"otel-aicost{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    settings = load_settings({"config": str(path)}, environ={})
    assert (settings.currency, str(settings.usd_rate)) == ("EUR", "0.92")


@pytest.mark.parametrize("where", ["top", "budget", "deployment"])
def test_a_secret_pasted_as_a_key_is_not_echoed(tmp_path, where):
    # a key pasted where a value belongs (`sk-proj-...: true`) is an unknown key; the error says where, not what
    table = {
        "top": {SECRET: True},
        "budget": {"budgets": [{"name": "b", "limit": 5, SECRET: 1}]},
        "deployment": {"deployments": {"chat": {"model": "gpt-4o", SECRET: "x"}}},
    }[where]
    path = tmp_path / "otel-aicost.json"
    path.write_text(json.dumps(table))
    with pytest.raises(ConfigError) as raised:
        load_settings({"config": str(path)}, environ={})
    message = str(raised.value)
    assert SECRET not in message
    expected = {"top": "", "budget": "budgets[0].", "deployment": "deployments.chat."}[where]
    assert message.startswith(f"{path}: key '{expected}<a key of {len(SECRET)} characters>': unknown key (known keys:")


def test_a_misspelt_key_is_still_named(tmp_path):
    path = tmp_path / "otel-aicost.json"
    path.write_text(json.dumps({"budgets": [{"name": "b", "limit": 5, "perod": "month"}], "curency": "EUR"}))
    with pytest.raises(ConfigError) as raised:
        load_settings({"config": str(path)}, environ={})
    assert str(raised.value).startswith(f"{path}: key 'curency': unknown key (known keys: currency,")


def test_a_relative_prices_file_in_a_config_file_is_the_file_beside_it(tmp_path, monkeypatch):
    folder = tmp_path / "conf"
    folder.mkdir()
    catalog = _catalog(folder)
    config = folder / "otel-aicost.json"
    config.write_text(json.dumps({"prices_file": "prices.json"}))
    monkeypatch.chdir(tmp_path)  # the app starts elsewhere: ./prices.json does not exist here
    settings = load_settings({"config": str(config)}, environ={})
    assert settings.prices_file == str(catalog)


def test_a_relative_prices_file_from_the_environment_is_relative_to_the_working_directory(tmp_path, monkeypatch):
    _catalog(tmp_path)
    monkeypatch.chdir(tmp_path)
    settings = load_settings({}, environ={"OTEL_AICOST_PRICES": "prices.json"})
    assert settings.prices_file == "prices.json"
