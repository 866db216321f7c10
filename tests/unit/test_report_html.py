"""The HTML page without a browser: one colour per model across charts, names with colons, no budgets, tiny inputs."""

from __future__ import annotations

import re

from click.testing import CliRunner

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
