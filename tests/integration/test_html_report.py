"""The HTML report in headless Chromium at 1280 px: nothing wider than the window, every chart drawn, a screenshot.

The screenshot goes to $AICOST_SCREENSHOT_DIR (else the test's temporary folder) as report-1280.png, for a human to
look at; the test itself checks the page's layout width, measured by the browser, and the PNG's width.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from otel_aicost.cli.report import command as report_command
from tests.support.analytics_calls import spiky_calls
from tests.support.otlp_lines import write_lines

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs chromium (.ci/install-system-deps)"),
]
MEASURE = """<script>
document.body.setAttribute("data-layout-width", String(document.documentElement.scrollWidth));
document.body.setAttribute("data-charts", String(document.querySelectorAll("svg").length));
</script></body>"""


def _chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--disable-background-networking", "--virtual-time-budget=5000", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    write_lines(folder / "spans.jsonl", spiky_calls(), per_line=50)
    config = folder / "aicost.toml"
    config.write_text('[[budgets]]\nname = "all-month"\nlimit = 12\nperiod = "month"\n'
                      '[[budgets]]\nname = "all-day"\nlimit = 0.5\nperiod = "day"\n')  # fmt: skip
    page = folder / "report.html"
    result = CliRunner().invoke(
        report_command, [str(folder / "spans.jsonl"), "--by", "team", "--html", str(page), "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    return page


def test_the_page_says_what_matters(page):
    text = page.read_text(encoding="utf-8")
    assert len(text.encode()) < 1_500_000
    assert "USD per day" in text and "USD this month" in text and "USD per 1K tokens" in text  # currency on axes
    assert "output tokens per request" in text  # the anomaly, with its cause
    assert "monthly budget all-month" in text and "daily budget all-day" in text
    assert "Forecast to 2026-12-01" in text and "80% range" in text


def test_fits_1280_px_and_screenshot(page, tmp_path):
    measured = tmp_path / "measured.html"
    measured.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE), encoding="utf-8")
    dom = _chromium("--window-size=1280,900", "--dump-dom", measured.as_uri())
    assert 'data-charts="' in dom.stdout, dom.stderr[-2000:]
    width = int(dom.stdout.split('data-layout-width="')[1].split('"')[0])
    charts = int(dom.stdout.split('data-charts="')[1].split('"')[0])
    assert width <= 1280 and charts >= 6
    folder = Path(os.environ.get("AICOST_SCREENSHOT_DIR") or tmp_path)
    shot = folder / "report-1280.png"
    result = _chromium("--window-size=1280,4200", f"--screenshot={shot}", page.as_uri())
    assert shot.exists(), result.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">I", png[16:20])[0] == 1280
