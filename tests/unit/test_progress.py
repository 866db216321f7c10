"""The reading progress on stderr: only what is known (lines are counted as each file ends), and by default only on a
terminal once reading has taken two seconds, the same for report, forecast, anomalies and focus."""

from __future__ import annotations

from otel_aicost.finops.cost_record import ReadStats
from otel_aicost.finops import telemetry_input
from otel_aicost.finops.telemetry_input import end_progress, progress_printer


def test_no_line_count_before_the_file_is_read(capsys):
    show = progress_printer(True)
    show(ReadStats(bytes=4_200_000, spans=2_000))  # 2,000 spans into a one-file input
    show(ReadStats(bytes=42_400_000, lines=401, spans=20_008))  # the file read
    err = capsys.readouterr().err
    first, last = err.split("\r")[1:]
    assert first.strip() == "reading: 4 MB, 2,000 spans"  # was "reading: 4 MB, 0 lines, 2,000 spans"
    assert last.strip() == "reading: 42 MB, 401 lines, 20,008 spans"


def test_off_unless_asked_or_a_terminal(capsys):
    assert progress_printer(False) is None
    assert progress_printer(None) is None  # stderr is captured here, not a terminal


def test_on_a_terminal_only_once_reading_takes_two_seconds(capsys, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(telemetry_input.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(telemetry_input.sys.stderr, "isatty", lambda: True)
    show = progress_printer(None)
    show(ReadStats(bytes=1_000_000, spans=500))
    clock[0] += 1.9
    show(ReadStats(bytes=2_000_000, spans=1_000))
    end_progress(show)
    assert capsys.readouterr().err == ""  # a small input: quiet, not even the final newline
    show = progress_printer(None)
    clock[0] += 2.5
    show(ReadStats(bytes=9_000_000, spans=4_000))
    end_progress(show)
    assert capsys.readouterr().err == "\rreading: 9 MB, 4,000 spans   \n"
