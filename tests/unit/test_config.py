"""Config file validation (SPEC section 6): every key valid and invalid, in TOML, YAML and JSON; precedence."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from otel_aicost.budgets.rules import Budget
from otel_aicost.config.keys import config_keys
from otel_aicost.config.settings import ConfigError, Deployment, PriceOverride, Settings, load_settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FORMATS = ("toml", "yaml", "json")

SPEC_EXAMPLE = """\
currency = "EUR"                 # ISO 4217; prices are USD, converted with usd_rate
usd_rate = 0.92                  # 1 USD in the currency
stream_usage = "auto"
metric_tags = ["cost_center", "team", "application", "environment", "feature"]
metric_tag_cap = 100             # distinct values per tag key on metrics, then "_other"

[tags]                           # default allocation tags for every call of this process
application = "support-bot"

[[prices]]                       # overrides and additions; USD per 1M tokens
model = "ft:gpt-4o-mini:*"       # exact name or glob
input = 0.30
cached_input = 0.15
cache_write = 0.0
output = 1.20
effective_from = "2026-01-01"    # optional

[deployments.chat-prod]          # Azure deployment name
model = "gpt-4o-2024-08-06"      # optional: the model behind it, when the response does not say
type = "data_zone_standard"      # see aicost.deployment.type values
region = "swedencentral"         # optional

[[budgets]]
name = "search-daily"
limit = 50.0                     # in the currency
period = "day"                   # hour | day | month
match = { team = "search" }      # allocation tags; empty matches every call
thresholds = [0.8, 1.0]
action = "warn"                  # warn | block
"""


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def to_toml(data: dict[str, Any]) -> str:
    """Just enough TOML for these tests: top-level tables and arrays of tables become [x] / [[x]] sections."""
    head, sections = [], []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for item in value:
                sections.append(f"[[{key}]]")
                sections += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in item.items()]
        elif isinstance(value, dict) and value and all(isinstance(item, dict) for item in value.values()):
            for name, table in value.items():
                sections.append(f"[{key}.{json.dumps(name)}]")
                sections += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in table.items()]
        elif isinstance(value, dict):
            sections.append(f"[{key}]")
            sections += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()]
        else:
            head.append(f"{json.dumps(key)} = {_toml_value(value)}")
    return "\n".join(head + sections) + "\n"


def write(tmp_path: Path, fmt: str, data: dict[str, Any]) -> Path:
    path = tmp_path / f"otel-aicost.{fmt}"
    if fmt == "toml":
        text = to_toml(data)
        assert tomllib.loads(text) == data  # the helper writes what the test means
    elif fmt == "yaml":
        text = yaml.safe_dump(data)
    else:
        text = json.dumps(data)
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path, **options: Any) -> Settings:
    return load_settings({"config": str(path), **options}, environ={})


# --- the SPEC example, in each format ----------------------------------------------------------------------------

EXPECTED_FROM_SPEC = {
    "currency": "EUR",
    "usd_rate": Decimal("0.92"),
    "stream_usage": "auto",
    "metric_tags": ("cost_center", "team", "application", "environment", "feature"),
    "metric_tag_cap": 100,
    "tags": {"application": "support-bot"},
    "prices": (
        PriceOverride(
            model="ft:gpt-4o-mini:*",
            input=Decimal("0.30"),
            cached_input=Decimal("0.15"),
            cache_write=Decimal("0.0"),
            output=Decimal("1.20"),
            effective_from=date(2026, 1, 1),
        ),
    ),
    "deployments": {
        "chat-prod": Deployment(
            "chat-prod", model="gpt-4o-2024-08-06", type="data_zone_standard", region="swedencentral"
        )
    },
    "budgets": (Budget("search-daily", Decimal(50), "day", {"team": "search"}, (0.8, 1.0), "warn"),),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_spec_example_loads_the_same_in_every_format(tmp_path, fmt):
    source = tmp_path / "spec.toml"
    source.write_text(SPEC_EXAMPLE, encoding="utf-8")
    path = source if fmt == "toml" else write(tmp_path, fmt, tomllib.loads(SPEC_EXAMPLE))
    settings = load(path)
    for key, expected in EXPECTED_FROM_SPEC.items():
        assert getattr(settings, key) == expected, key
    assert settings.config_path == str(path)
    assert settings.prices[0].input == Decimal("0.3") and str(settings.usd_rate) == "0.92"  # exact, not 0.9200001


def test_defaults_without_file_or_environment():
    settings = load_settings({}, environ={})
    assert settings == Settings()
    assert (settings.currency, settings.usd_rate, settings.capture_content) == ("USD", Decimal(1), "no_content")


# --- each key, valid --------------------------------------------------------------------------------------------

VALID = [
    ({"currency": "eur", "usd_rate": "0.92"}, {"currency": "EUR", "usd_rate": Decimal("0.92")}),
    ({"currency": "JPY", "usd_rate": 150}, {"currency": "JPY", "usd_rate": Decimal(150)}),
    ({"stream_usage": "off"}, {"stream_usage": "off"}),
    ({"stream_usage": "AUTO"}, {"stream_usage": "auto"}),
    ({"metric_tags": ["team", "cost_center"]}, {"metric_tags": ("team", "cost_center")}),
    ({"metric_tags": []}, {"metric_tags": ()}),
    ({"metric_tag_cap": 7}, {"metric_tag_cap": 7}),
    ({"tags": {"application": "bot", "tier": 2}}, {"tags": {"application": "bot", "tier": "2"}}),
    ({"exporter": "console"}, {"exporter": "console"}),
    ({"exporter": "none"}, {"exporter": "none"}),
    ({"capture_content": "span_and_event"}, {"capture_content": "span_and_event"}),
    ({"capture_content": True}, {"capture_content": "span_only"}),
    ({"capture_content": False}, {"capture_content": "no_content"}),
    ({"baggage_keys": ["team", "user.id"]}, {"baggage_keys": ("team", "user.id")}),
    ({"propagate_baggage": True}, {"propagate_baggage": True}),
    (
        {"prices": [{"model": "my-model", "input": 1, "output": "2.5"}]},
        {"prices": (PriceOverride("my-model", Decimal(1), Decimal("2.5")),)},
    ),
    (
        {"deployments": {"d1": {}, "d2": {"type": "provisioned"}}},
        {"deployments": {"d1": Deployment("d1"), "d2": Deployment("d2", type="provisioned")}},
    ),
    (
        {"budgets": [{"name": "cap", "limit": 5, "period": "month", "action": "block", "thresholds": [1, 0.5]}]},
        {"budgets": (Budget("cap", 5, "month", {}, (0.5, 1.0), "block"),)},
    ),
    ({"budgets": [{"name": "all", "limit": 0.01, "match": {}}]}, {"budgets": (Budget("all", "0.01"),)}),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("data", "expected"), VALID)
def test_each_key_valid(tmp_path, fmt, data, expected):
    settings = load(write(tmp_path, fmt, data))
    for key, value in expected.items():
        assert getattr(settings, key) == value


# --- each key, invalid: the message names the file, the key and the reason ----------------------------------------

INVALID = [
    ({"currency": "euro", "usd_rate": 1}, "currency", "ISO 4217"),
    ({"currency": 978, "usd_rate": 1}, "currency", "ISO 4217"),
    ({"currency": "EUR", "usd_rate": 0}, "usd_rate", "positive"),
    ({"currency": "EUR", "usd_rate": "lots"}, "usd_rate", "must be a number"),
    ({"currency": "EUR", "usd_rate": True}, "usd_rate", "must be a number"),
    ({"currency": "EUR"}, "currency", "needs 'usd_rate'"),
    ({"stream_usage": "sometimes"}, "stream_usage", "must be one of auto, off"),
    ({"metric_tags": ["team", "bad key!"]}, "metric_tags", "list of tag keys"),
    ({"metric_tags": {"team": 1}}, "metric_tags", "list of tag keys"),
    ({"metric_tag_cap": 0}, "metric_tag_cap", "at least 1"),
    ({"metric_tag_cap": 2.5}, "metric_tag_cap", "whole number"),
    ({"metric_tag_cap": True}, "metric_tag_cap", "whole number"),
    ({"tags": ["team"]}, "tags", "table of tag key"),
    ({"tags": {"team": ["a"]}}, "tags.team", "tag values are strings"),
    ({"tags": {"team": True}}, "tags.team", "tag values are strings"),
    ({"tags": {"bad key": "x"}}, "tags.bad key", "tag keys are letters"),
    ({"exporter": "jaeger"}, "exporter", "must be one of otlp, azuremonitor, file, console, none"),
    ({"capture_content": "everything"}, "capture_content", "must be true, false or one of"),
    ({"baggage_keys": ["ok", "not ok"]}, "baggage_keys", "list of tag keys"),
    ({"propagate_baggage": "yes"}, "propagate_baggage", "true or false"),
    ({"prices": {"model": "m", "input": 1, "output": 1}}, "prices", "must be a list"),
    ({"prices": ["gpt-4o"]}, "prices[0]", "must be a table"),
    ({"prices": [{"model": "m", "input": 1}]}, "prices[0]", "missing required key 'output'"),
    ({"prices": [{"model": "", "input": 1, "output": 1}]}, "prices[0].model", "model name or glob"),
    ({"prices": [{"model": "m", "input": -1, "output": 1}]}, "prices[0].input", "cannot be negative"),
    ({"prices": [{"model": "m", "input": 1, "output": "free"}]}, "prices[0].output", "must be a number"),
    ({"prices": [{"model": "m", "input": 1, "output": 1, "cached_input": "NaN"}]}, "prices[0].cached_input", "finite"),
    (
        {"prices": [{"model": "m", "input": 1, "output": 1, "effective_from": "soon"}]},
        "prices[0].effective_from",
        "YYYY-MM-DD",
    ),
    ({"deployments": ["chat"]}, "deployments", "table of deployment name"),
    ({"deployments": {"chat": "gpt-4o"}}, "deployments.chat", "must be a table"),
    ({"deployments": {"chat": {"type": "standard"}}}, "deployments.chat.type", "must be one of global_standard"),
    ({"deployments": {"chat": {"region": 5}}}, "deployments.chat.region", "must be a string"),
    ({"budgets": {"name": "b", "limit": 1}}, "budgets", "must be a list"),
    ({"budgets": [{"limit": 5}]}, "budgets[0]", "missing required key 'name'"),
    ({"budgets": [{"name": "b"}]}, "budgets[0]", "missing required key 'limit'"),
    ({"budgets": [{"name": "", "limit": 5}]}, "budgets[0].name", "non-empty string"),
    ({"budgets": [{"name": "b", "limit": -5}]}, "budgets[0].limit", "positive"),
    ({"budgets": [{"name": "b", "limit": "much"}]}, "budgets[0].limit", "must be a number"),
    ({"budgets": [{"name": "b", "limit": 5, "period": "week"}]}, "budgets[0].period", "hour, day, month"),
    ({"budgets": [{"name": "b", "limit": 5, "action": "stop"}]}, "budgets[0].action", "warn, block"),
    ({"budgets": [{"name": "b", "limit": 5, "thresholds": 0.8}]}, "budgets[0].thresholds", "list of fractions"),
    ({"budgets": [{"name": "b", "limit": 5, "thresholds": [0]}]}, "budgets[0].thresholds", "list of fractions"),
    ({"budgets": [{"name": "b", "limit": 5, "thresholds": []}]}, "budgets[0].thresholds", "list of fractions"),
    ({"budgets": [{"name": "b", "limit": 5, "match": {"team": {"a": 1}}}]}, "budgets[0].match.team", "strings"),
    ({"budgets": [{"name": "b", "limit": 5, "match": "team=search"}]}, "budgets[0].match", "table of tag key"),
    (
        {"budgets": [{"name": "b", "limit": 5}, {"name": "b", "limit": 9}]},
        "budgets[1].name",
        "'b' is used twice",
    ),
    # unknown keys are errors at every level
    ({"colour": "blue"}, "colour", "unknown key"),
    ({"prices": [{"model": "m", "input": 1, "output": 1, "discount": 0.1}]}, "prices[0].discount", "unknown key"),
    ({"deployments": {"chat": {"model": "gpt-4o", "sku": "GlobalStandard"}}}, "deployments.chat.sku", "unknown key"),
    ({"budgets": [{"name": "b", "limit": 5, "owner": "me"}]}, "budgets[0].owner", "unknown key"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("data", "key", "reason"), INVALID)
def test_each_key_invalid_names_file_key_and_reason(tmp_path, fmt, data, key, reason):
    path = write(tmp_path, fmt, data)
    with pytest.raises(ConfigError) as raised:
        load(path)
    message = str(raised.value)
    assert str(path) in message
    assert f"'{key}'" in message
    assert reason in message


def test_unknown_key_lists_the_known_keys(tmp_path):
    with pytest.raises(ConfigError, match=r"known keys: currency, usd_rate, .*budgets"):
        load(write(tmp_path, "toml", {"budget": [{"name": "b", "limit": 1}]}))


def test_a_misspelt_key_is_reported_before_the_values_it_leaves_wrong(tmp_path):
    path = write(tmp_path, "toml", {"currency": "EUR", "usd_rte": 0.92, "stream_usage": "sometimes"})
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert str(raised.value).startswith(f"{path}: key 'usd_rte': unknown key (known keys: currency, usd_rate,")


def test_no_key_at_all_builds_no_model():
    config_keys.cache_clear()
    assert load_settings(environ={}) == Settings()
    assert config_keys.cache_info().misses == 0  # the pydantic model is built by the first config that has a key
    assert load_settings({"stream_usage": "off"}, environ={}).stream_usage == "off"
    assert config_keys.cache_info().misses == 1


# --- files that cannot be read or parsed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("bad.toml", "currency = \n", "not valid TOML"),
        ("bad.yaml", "currency: [EUR\n", "not valid YAML"),
        ("bad.json", '{"currency": "EUR",}', "not valid JSON"),
        ("list.json", '["currency"]', "top level must be a table"),
        ("list.yml", "- currency\n", "top level must be a table"),
        ("settings.ini", "currency=EUR\n", "unknown config file type '.ini'"),
    ],
)
def test_unparsable_files_fail_with_the_file_and_reason(tmp_path, name, text, reason):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert str(path) in str(raised.value) and reason in str(raised.value)


def test_a_missing_file_fails_with_its_path(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="cannot read config file") as raised:
        load_settings(environ={"OTEL_AICOST_CONFIG": str(path)})
    assert str(path) in str(raised.value)


def test_an_empty_yaml_file_is_all_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    assert load(path).stream_usage == "auto"


def test_dates_written_natively_by_toml_and_yaml(tmp_path):
    (tmp_path / "d.toml").write_text(
        '[[prices]]\nmodel = "m"\ninput = 1\noutput = 2\neffective_from = 2026-03-01\n', encoding="utf-8"
    )
    (tmp_path / "dt.toml").write_text(
        '[[prices]]\nmodel = "m"\ninput = 1\noutput = 2\neffective_from = 2026-03-01T00:00:00Z\n', encoding="utf-8"
    )
    (tmp_path / "d.yaml").write_text(
        "prices:\n- {model: m, input: 1, output: 2, effective_from: 2026-03-01}\n", encoding="utf-8"
    )
    for name in ("d.toml", "dt.toml", "d.yaml"):
        assert load(tmp_path / name).prices[0].effective_from == date(2026, 3, 1), name


# --- precedence: file < OTEL_AICOST_* < configure() ---------------------------------------------------------------


@pytest.fixture
def config_file(tmp_path):
    return write(
        tmp_path,
        "toml",
        {"currency": "EUR", "usd_rate": 0.92, "stream_usage": "auto", "exporter": "file", "metric_tags": ["team"]},
    )


def test_environment_overrides_the_file(config_file):
    env = {
        "OTEL_AICOST_CONFIG": str(config_file),
        "OTEL_AICOST_STREAM_USAGE": "off",
        "OTEL_AICOST_EXPORTER": "console",
        "OTEL_AICOST_METRIC_TAGS": "team, feature,",
        "OTEL_AICOST_CURRENCY": "gbp",
    }
    settings = load_settings(environ=env)
    assert settings.stream_usage == "off"
    assert settings.exporter == "console"
    assert settings.metric_tags == ("team", "feature")
    assert (settings.currency, settings.usd_rate) == ("GBP", Decimal("0.92"))  # the rate still comes from the file
    assert settings.config_path == str(config_file)


def test_configure_options_override_the_environment(config_file, tmp_path):
    env = {"OTEL_AICOST_CONFIG": str(config_file), "OTEL_AICOST_STREAM_USAGE": "off", "OTEL_AICOST_EXPORTER": "none"}
    settings = load_settings({"stream_usage": "auto", "exporter": None, "metric_tags": ["feature"]}, environ=env)
    assert settings.stream_usage == "auto"
    assert settings.exporter == "none"  # None means "not given"
    assert settings.metric_tags == ("feature",)
    (tmp_path / "other").mkdir()
    other = write(tmp_path / "other", "json", {"stream_usage": "off"})
    assert load_settings({"config": str(other)}, environ=env).currency == "USD"  # config= replaces the env's file


def test_empty_environment_values_are_ignored(config_file):
    env = {"OTEL_AICOST_CONFIG": str(config_file), "OTEL_AICOST_STREAM_USAGE": " ", "OTEL_AICOST_CURRENCY": ""}
    settings = load_settings(environ=env)
    assert (settings.stream_usage, settings.currency) == ("auto", "EUR")


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="environment variable OTEL_AICOST_STREAM_USAGE: must be one of auto, off"):
        load_settings(environ={"OTEL_AICOST_STREAM_USAGE": "sometimes"})
    with pytest.raises(ConfigError, match="environment variable OTEL_AICOST_EXPORTER: must be one of"):
        load_settings(environ={"OTEL_AICOST_EXPORTER": "jaeger"})


def test_bad_configure_option_names_the_argument():
    with pytest.raises(ConfigError, match=r"configure\(\) argument: key 'budgets\[0\]\.period': must be one of"):
        load_settings({"budgets": [{"name": "b", "limit": 1, "period": "year"}]}, environ={})
    with pytest.raises(ConfigError, match=r"configure\(\) argument: key 'colour': unknown key"):
        load_settings({"colour": "blue"}, environ={})


def test_currency_from_environment_without_a_rate_fails_clearly():
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"OTEL_AICOST_CURRENCY": "EUR"})
    message = str(raised.value)
    assert "OTEL_AICOST_CURRENCY" in message and "usd_rate" in message and "EUR" in message


def test_usd_ignores_a_rate_left_for_another_currency(config_file):
    settings = load_settings(environ={"OTEL_AICOST_CONFIG": str(config_file), "OTEL_AICOST_CURRENCY": "USD"})
    assert (settings.currency, settings.usd_rate) == ("USD", Decimal(1))


def test_budgets_in_code_and_as_tables():
    in_code = Budget("code", 3, action="block")
    settings = load_settings({"budgets": [in_code, {"name": "table", "limit": "2.50"}]}, environ={})
    assert settings.budgets == (in_code, Budget("table", Decimal("2.50")))
    with pytest.raises(ConfigError, match="'code' is used twice"):
        load_settings({"budgets": [in_code, {"name": "code", "limit": 1}]}, environ={})


# --- OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT (a standard OTel variable) -------------------------------

CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


@pytest.mark.parametrize(
    ("raw", "mode"),
    [
        ("true", "span_only"),
        ("True", "span_only"),
        ("false", "no_content"),
        ("FALSE", "no_content"),
        ("SPAN_AND_EVENT", "span_and_event"),
        ("event_only", "event_only"),
        ("NO_CONTENT", "no_content"),
    ],
)
def test_capture_content_variable(raw, mode):
    assert load_settings(environ={CAPTURE: raw}).capture_content == mode


@pytest.mark.parametrize("raw", ["yes please", "1", "on", "span"])
def test_bad_capture_content_variable_warns_and_captures_nothing(tmp_path, caplog, raw):
    path = write(tmp_path, "toml", {"capture_content": "span_only"})
    with caplog.at_level(logging.WARNING, logger="otel_aicost.config"):
        settings = load_settings(environ={CAPTURE: raw, "OTEL_AICOST_CONFIG": str(path)})
    assert settings.capture_content == "no_content"  # the safe choice, even over the file's span_only
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert CAPTURE in record.getMessage() and repr(raw) in record.getMessage()


# --- files and values a user gets wrong (issue 16) ----------------------------------------------------------------


def test_a_config_file_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "otel-aicost.toml"
    path.write_bytes('currency = "EUR"\n# caf\xe9\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert str(raised.value).startswith(f"{path}: not UTF-8 text (byte 0xe9 at offset 22)")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("sk-proj-AbCdEf0123456789AbCdEf0123456789AbCdEf012345", "got a string of 52 characters"),
        ("ghp_0123456789abcdefghij0123456789abcdef", "got a string of 40 characters"),
        ("a" * 40, "got a string of 40 characters"),
        ("Euro", "got 'Euro'"),
        (["EUR", "USD"], "got a list of 2 items"),
    ],
)
def test_a_wrong_value_is_quoted_only_when_short_and_not_secret_looking(tmp_path, value, shown):
    with pytest.raises(ConfigError) as raised:
        load(write(tmp_path, "json", {"currency": value}))
    message = str(raised.value)
    assert message.endswith(shown), message
    assert not (isinstance(value, str) and len(value) > 8 and value in message)
