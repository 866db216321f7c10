"""The HTML page without a browser: one colour per model across charts, names with colons, no budgets, tiny inputs."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from click.testing import CliRunner

from otel_aicost.cli.focus import command as focus_command
from otel_aicost.cli.forecast import command as forecast_command
from otel_aicost.cli.report import command as report_command
from tests.support.otlp_lines import random_calls, write_lines


def _page(tmp_path, calls, *args) -> str:
    write_lines(tmp_path / "spans.jsonl", calls, per_line=20)
    page = tmp_path / "r.html"
    result = CliRunner().invoke(report_command, [str(tmp_path / "spans.jsonl"), "--html", str(page), *args])
    assert result.exit_code == 0, result.output
    return page.read_text(encoding="utf-8")


def test_a_model_keeps_its_colour_on_every_chart_even_with_colons_in_its_name(tmp_path):
    calls = random_calls(300, seed=3)
    for call in calls[:150]:
        call.response_model = "ft:gpt-4o-mini-2024-07-18:acme:x"
    text = _page(tmp_path, calls)
    colours = set(re.findall(r'fill="(#[0-9A-F]{6})"><title>[^<]*ft:gpt-4o-mini-2024-07-18:acme:x', text))
    assert len(colours) == 1  # spend bars, cost by model, cost per 1K tokens, scatter: the same colour
    assert text.count("ft:gpt-4o-mini-2024-07-18:acme:x") >= 4


def test_a_handful_of_calls_still_makes_a_page(tmp_path):
    text = _page(tmp_path, random_calls(5, seed=1, spread_s=60))
    assert "<svg" in text and "No budgets in the config" in text and "Anomalies" in text


def test_every_amount_in_the_key_figures_says_its_currency(tmp_path):
    text = _page(tmp_path, random_calls(300, seed=5))
    cards = text.split('<section class="cards">', 1)[1].split("</section>", 1)[0]
    amounts = re.findall(r"(\d[\d,]*\.\d+)(?![\d%])( USD)?", cards)  # decimals that are not a share
    assert len(amounts) >= 6  # spend, cost per call, its median, savings, forecast, its range
    assert [a for a, currency in amounts if not currency] == []  # was: "median 0.00310", no currency


def test_money_in_another_currency_is_never_drawn_on_the_pages_axes(tmp_path):
    """Most calls priced in USD, a few in EUR (the config's currency, so its budgets are in EUR): the charts are in
    USD, the main currency. An EUR budget limit drawn as a line on them, or the EUR forecast shown on the USD card
    (EUR sorts first), would read as USD. The budget table still lists the EUR budget, in EUR.
    Oracle: ``otel-aicost forecast --format json`` on the same file, its USD total."""
    calls = random_calls(300, seed=5)
    for call in calls[:20]:
        call.currency = "EUR"
    config = tmp_path / "aicost.toml"
    config.write_text('currency = "EUR"\nusd_rate = 0.9\n'
                      '[[budgets]]\nname = "eur-month"\nlimit = 0.01\nperiod = "month"\n'
                      '[[budgets]]\nname = "eur-day"\nlimit = 0.001\nperiod = "day"\n')  # fmt: skip
    text = _page(tmp_path, calls, "--config", str(config))
    assert "USD per day" in text or "USD per hour" in text
    assert "monthly budget eur-month" not in text and "daily budget eur-day" not in text  # no EUR line on USD axes
    table = text.split("spent this period</th>", 1)[1].split("</table>", 1)[0]
    assert "eur-month" in table and "eur-day" in table
    cells = re.findall(r"<td>([^<]*)</td>", table)
    assert cells and all(cell.endswith(" EUR") for cell in cells), cells
    forecast = CliRunner().invoke(forecast_command, [str(tmp_path / "spans.jsonl"), "--format", "json",
                                                     "--config", str(config)])  # fmt: skip
    assert forecast.exit_code == 0, forecast.output
    totals = {t["currency"]: t for t in json.loads(forecast.stdout)["totals"]}
    assert set(totals) == {"EUR", "USD"}
    cards = text.split('<section class="cards">', 1)[1].split("</section>", 1)[0]
    card = cards.split("Forecast to ", 1)[1]
    shown = re.search(r'<div class="value">([\d,.]+) USD</div>', card).group(1).replace(",", "")
    assert Decimal(shown) == Decimal(totals["USD"]["forecast"]).quantize(Decimal(shown)), (shown, totals)
    assert "budget eur-month" not in card  # the card's budget is one in the card's currency


def test_the_page_goes_into_a_new_folder_as_focus_files_do(tmp_path):
    write_lines(tmp_path / "spans.jsonl", random_calls(20, seed=2), per_line=10)
    page = tmp_path / "out" / "monthly" / "r.html"
    result = CliRunner().invoke(report_command, [str(tmp_path / "spans.jsonl"), "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_an_output_path_that_cannot_be_made_stops_before_the_read(tmp_path):
    """A path under a file: exit 2 at once, naming the file in the way; no table printed (the read, minutes on a
    big input, never started), no traceback."""
    spans = tmp_path / "spans.jsonl"
    write_lines(spans, random_calls(20, seed=2), per_line=10)
    for option in ("--html", "--focus"):
        result = CliRunner().invoke(report_command, [str(spans), option, str(spans / "sub" / "out.csv")])
        assert result.exit_code == 2, (option, result.output)
        assert f"{spans} is a file, not a folder" in result.stderr, result.stderr
        assert result.stdout == "" and "Traceback" not in result.output
    for layout in ("plain", "finops-hub"):  # focus: a file, or a FinOps hub folder
        result = CliRunner().invoke(focus_command, [str(spans), "-o", str(spans / "hub"), "--layout", layout])
        assert result.exit_code == 2, (layout, result.output)
        assert f"{spans} is a file, not a folder" in result.stderr and "FOCUS 1.2" not in result.stderr
