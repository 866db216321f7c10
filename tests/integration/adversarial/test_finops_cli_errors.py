"""Bad arguments to the FinOps commands: exit code 2, an error that names the problem, never a traceback (SPEC 8:
"clear errors and exit code 2 on bad input")."""

from __future__ import annotations

import pytest

from tests.integration.adversarial.finops_files import lines_of, no_traceback, run, typed_calls, write


@pytest.fixture
def spans(tmp_path):
    return write(tmp_path / "t.jsonl", lines_of(typed_calls()))


BAD = [  # (arguments, with {spans} and {tmp} filled in, words the error must contain)
    (["report", "{spans}", "--since", "yesterday-ish"], ["--since", "yesterday-ish"]),
    (["report", "{spans}", "--since", "2026-10-01", "--until", "2026-09-01"], ["--until", "--since"]),
    (["report", "{spans}", "--since", "2026-02-30"], ["--since", "2026-02-30"]),
    (["report", "{spans}", "--workers", "0"], ["--workers"]),
    (["report", "{spans}", "--by", "no_such_tag"], ["no_such_tag"]),
    (["report", "{spans}", "--columns", "cost,bogus"], ["bogus"]),
    (["report", "{tmp}/missing.jsonl"], ["missing.jsonl"]),
    (["report", "{tmp}/zstd.jsonl"], ["zstd"]),
    (["focus", "{spans}", "-o", "{tmp}"], ["{tmp}"]),
    (["focus", "{spans}", "-o", "{tmp}/f.csv", "--granularity", "week"], ["--granularity", "week"]),
    (["anomalies", "{spans}", "--threshold", "nan"], ["--threshold"]),
    (["anomalies", "{spans}", "--threshold", "inf"], ["--threshold"]),
    (["anomalies", "{spans}", "--threshold", "0.5"], ["--threshold"]),
    (["forecast", "{spans}", "--until", "2020-01-01"], ["--until"]),
    (["forecast", "{spans}", "--until", "9999-12-31"], ["--until", "9999-12-31"]),  # took ~50 s of CPU
    (["forecast", "{spans}", "--since", "2030-01-01"], ["--since"]),  # spent 0, yet a forecast from older calls
    (["forecast", "{spans}", "--since", "2030-01-01", "--until", "2030-02-01"], ["--since"]),
    (["forecast", "{spans}", "--config", "{tmp}/nope.toml"], ["nope.toml"]),
    (["forecast", "{spans}", "--config", "{tmp}/bad.toml"], ["bad.toml", "limit"]),
    (["reconcile", "{spans}"], ["--export"]),
    (["reconcile", "{spans}", "--export", "{tmp}/none"], ["none"]),
    (["reconcile", "{spans}", "--export", "{tmp}", "--tolerance", "NaN"], ["--tolerance"]),
    (["reconcile", "{spans}", "--export", "{tmp}", "--account", "no-equals-sign"], ["--account"]),
]


@pytest.mark.parametrize(("args", "words"), BAD, ids=[" ".join(a[:1] + a[2:]) for a, _ in BAD])
def test_bad_arguments_exit_2_naming_the_problem(tmp_path, spans, args, words):
    (tmp_path / "zstd.jsonl").write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 32)
    (tmp_path / "bad.toml").write_text('[[budgets]]\nname = "b"\nlimit = -5\nperiod = "day"\n')
    fill = {"spans": str(spans), "tmp": str(tmp_path)}
    result = run(*[a.format(**fill) for a in args])
    no_traceback(result)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    for word in words:
        assert word.format(**fill) in result.stderr, result.stderr
