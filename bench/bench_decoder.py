"""Decoder-only speed: CPU seconds to turn OTLP JSON lines into cost records, without file reading or reports.

    python bench/gen_spans.py 200000 /tmp/spans-200k.jsonl --seed 7
    python bench/bench_decoder.py /tmp/spans-200k.jsonl [--lines 1000] [--repeat 5]

Reads the first ``--lines`` lines into memory, decodes them ``--repeat`` times and prints the best CPU time
(``time.process_time``, less sensitive than wall time to other load on the machine) per 100,000 spans. Run it
from another checkout (``cd old && python /path/to/bench_decoder.py ...``) to compare two versions side by side:
it finds the decoder of either layout.
"""

from __future__ import annotations

import argparse
import gc
import time


def _decoder():
    try:
        from otel_aicost.finops.otlp_decode import decode_line  # one decoder (issue 9)

        return "otlp_decode.decode_line", decode_line
    except ImportError:
        from otel_aicost.finops.records import LineDecoder  # before: msgspec records_fast behind LineDecoder

        return "records.LineDecoder(msgspec)", LineDecoder("msgspec")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from otel_aicost.finops.records import ReadStats

    name, decode = _decoder()
    with open(args.file, "rb") as handle:
        lines = [line for _, line in zip(range(args.lines), handle)]
    gc.disable()
    best, spans, records = float("inf"), 0, 0
    for _ in range(args.repeat):
        stats = ReadStats()
        started = time.process_time()
        for number, raw in enumerate(lines, 1):
            for _record in decode(raw, args.file, number, stats):
                pass
        best = min(best, time.process_time() - started)
        spans, records = stats.spans, stats.records
    print(f"{name}: {records:,} records from {spans:,} spans; best of {args.repeat}: {best:.3f} s cpu, "
          f"{best / spans * 100_000:.3f} s per 100k spans")


if __name__ == "__main__":
    main()
