"""The reading progress on stderr says only what is known: lines are counted as each file ends."""

from __future__ import annotations

from otel_aicost.finops.cost_record import ReadStats
from otel_aicost.finops.telemetry_input import progress_printer


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
