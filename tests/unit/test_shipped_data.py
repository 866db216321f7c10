"""A damaged install (a price file cut short or edited by hand) is one clear error naming the file, remembered: the
price data is read once per process even when it is bad, a call is reported as unknown_model without a traceback
into the application or its log, and ``otel-aicost --version`` says which file is damaged."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from otel_aicost.cli import main
from otel_aicost.config.settings import Settings
from otel_aicost.cost import shipped
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.instrumentation.usage import Usage

REAL = Path(shipped.__file__).parent / "pricing"


@pytest.fixture
def damaged(tmp_path, monkeypatch):
    """The package's data directory with genai_prices.json cut off in its first line; counts the files read."""
    (tmp_path / "data").mkdir()
    for source in (REAL / "data").glob("*.json"):
        (tmp_path / "data" / source.name).write_bytes(source.read_bytes())
    (tmp_path / "data" / "genai_prices.json").write_text('{"version": "0.2.3", "providers": {"op', "utf-8")
    reads: list[str] = []

    class Package:
        def __init__(self, path: Path) -> None:
            self.path = path

        def joinpath(self, name: str) -> Package:
            return Package(self.path / name)

        def read_text(self, encoding: str) -> str:
            reads.append(self.path.name)
            return self.path.read_text(encoding)

    class Resources:
        @staticmethod
        def files(_package: str) -> Package:
            return Package(tmp_path)

    monkeypatch.setattr(shipped, "resources", Resources)
    monkeypatch.setattr(shipped, "_json", {})
    return reads


def test_a_damaged_price_file_is_one_clear_error_read_once(damaged):
    for _ in range(3):
        with pytest.raises(shipped.ShippedDataError) as raised:
            shipped.load_shipped_json("genai_prices.json", lambda data: data)
        assert str(raised.value).startswith("otel_aicost/cost/pricing/data/genai_prices.json:1: damaged")
        assert "reinstall otel-aicost" in str(raised.value)
    assert damaged.count("genai_prices.json") == 1


def test_a_call_is_unknown_model_and_the_log_names_the_file_without_a_traceback(damaged, caplog):
    pricer = Pricer(Settings())
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            cost = pricer.price(PricingRequest("chat", Usage(1000, 100), request_model="gpt-4o-mini"))
            assert cost.status == "unknown_model"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and not warnings[0].exc_info
    assert "otel_aicost/cost/pricing/data/genai_prices.json:1: damaged" in warnings[0].getMessage()
    assert damaged.count("genai_prices.json") == 1


def test_version_names_the_damaged_file(damaged):
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "otel_aicost/cost/pricing/data/genai_prices.json:1: damaged" in result.output
    assert "Traceback" not in result.output


def test_a_price_from_the_config_still_prices_when_the_shipped_file_is_damaged(damaged):
    from otel_aicost.config.settings import PriceOverride

    pricer = Pricer(Settings(prices=(PriceOverride("my-model", input=Decimal(2), output=Decimal(8)),)))
    cost = pricer.price(PricingRequest("chat", Usage(1_000_000, 1_000_000), request_model="my-model"))
    assert (cost.status, cost.total) == ("priced", Decimal(10))


def test_concurrent_first_loads_build_once_and_other_keys_do_not_wait():
    """Eight threads ask for the same slow item at once: it is built once and all get it; meanwhile another
    item (a price table while an encoding builds) loads without waiting for the slow one."""
    import threading

    cache: dict[str, object] = {}
    release, started = threading.Event(), threading.Event()
    builds: list[str] = []

    def slow() -> object:
        builds.append("slow")
        started.set()
        assert release.wait(20)
        return object()

    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(shipped.once(cache, "slow", slow))) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert started.wait(20)
    quick: list[object] = []  # in a thread of its own, so a lock shared by both keys fails here, not hangs
    other = threading.Thread(target=lambda: quick.append(shipped.once(cache, "quick", lambda: "built")))
    other.start()
    other.join(10)
    assert quick == ["built"]  # while "slow" is still building
    release.set()
    for thread in threads:
        thread.join(20)
    assert builds == ["slow"] and len(got) == 8 and len({id(item) for item in got}) == 1


def test_a_damaged_encoding_is_one_error_naming_it_read_once(monkeypatch):
    """An encoding file whose bytes no longer match OpenAI's sha256: the same EncodingFileError every time, and the
    3.6 MB file is read and hashed once, not on every estimate."""
    from otel_aicost.cost import tokens

    reads: list[str] = []

    class Package:
        def joinpath(self, name: str) -> Package:
            reads.append(name)
            return self

        def read_bytes(self) -> bytes:
            return b"not the encoding"

    class Resources:
        @staticmethod
        def files(_package: str) -> Package:
            return Package()

    monkeypatch.setattr(tokens, "resources", Resources)
    monkeypatch.setattr(tokens, "_loaded", {})
    for _ in range(3):
        with pytest.raises(shipped.ShippedDataError) as raised:
            tokens.get_encoding("o200k_base")
        assert str(raised.value) == "otel_aicost/cost/encodings/o200k_base.tiktoken: sha256 mismatch (damaged install)"
    assert reads == ["o200k_base.tiktoken"]


def test_a_command_on_a_damaged_install_names_the_file_not_a_bug(damaged):
    result = CliRunner().invoke(main, ["prices", "gpt-4o-mini"])
    assert result.exit_code == 1
    assert "otel_aicost/cost/pricing/data/genai_prices.json:1: damaged" in result.output
    assert "This is a bug" not in result.output and "Traceback" not in result.output
