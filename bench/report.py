"""Turn the workers' raw results into medians, overheads, ratios, target checks and a markdown report."""

from __future__ import annotations

import statistics

OURS = "aicost"
# ours from the editable checkout (overhead.py --modes aicost-checkout) and of another revision (aicost-before,
# setup_before.sh): shown beside ours, never a peer
NOT_PEERS = ("bare", OURS, "aicost-checkout", "aicost-before")
OFFICIAL = "genai-openai"
BEST_PEER_RATIO = 0.75  # issue 12's aim per case: ours at most this share of the best peer's overhead
# "No memory growth": over the second half of the memory run, ours may not keep more traced memory than bare
# by more than this many bytes per call (i.e. nothing retained per call).
GROWTH_BYTES_PER_CALL = 2.0
# ... and may not keep more live GC-tracked objects than bare by more than this many per 1000 calls.
GROWTH_OBJECTS_PER_1000_CALLS = 1.0


def summarize(timings: list[dict], memory: list[dict], mode_names: list[str], cases: list[str]) -> dict:
    by = {}
    for result in timings:
        by.setdefault((result["mode"], result["case"]), {})[result["round"]] = result
    cells: dict[str, dict[str, dict]] = {}
    for case in cases:
        bare = by.get(("bare", case), {})
        bare_median = statistics.median(r["us_per_call"] for r in bare.values()) if bare else None
        for mode in mode_names:
            rounds = by.get((mode, case), {})
            if not rounds:
                continue
            raw_median = statistics.median(r["raw_us_per_call"] for r in rounds.values())
            in_process = [r["paired_overhead_us"] for r in rounds.values()]
            cell = {
                "median_us": statistics.median(r["us_per_call"] for r in rounds.values()),
                "median_raw_us": raw_median,
                "median_wall_us": statistics.median(r["wall_us_per_call"] for r in rounds.values()),
                "rounds": len(rounds),
                # In-process: raw and instrumented batches alternate in the same worker; median over rounds of
                # each worker's median paired difference. For bare this is the harness's noise floor.
                "overhead_us": statistics.median(in_process),
                "overhead_pct": 100.0 * statistics.median(in_process) / raw_median,
                "overhead_min_us": min(in_process),
                "overhead_max_us": max(in_process),
                "min_spans_per_call": min(r["spans_per_call"] for r in rounds.values()),
                "max_raw_spans_per_call": max(r["raw_spans_per_call"] for r in rounds.values()),
                # deterministic (cProfile counts, worker.count_extra_calls): the round that counted them
                "extra_python_calls": next((r["extra_python_calls"] for r in rounds.values()
                                            if r.get("extra_python_calls") is not None), None),
                "span_names": sorted({n for r in rounds.values() for n in r["span_names"]}),
                "metric_names": sorted({n for r in rounds.values() for n in r["metric_names"]}),
            }
            # Cross-process: this mode's worker against the bare worker of the same round (other venv for peers).
            paired = [r["us_per_call"] - bare[rnd]["us_per_call"] for rnd, r in rounds.items() if rnd in bare]
            if mode != "bare" and paired and bare_median:
                cell["xproc_overhead_us"] = statistics.median(paired)
                cell["xproc_overhead_pct"] = 100.0 * statistics.median(paired) / bare_median
            cells.setdefault(case, {})[mode] = cell

    ratios = _ratios(cells)

    versions = {}
    for result in timings + memory:
        versions.setdefault(result["mode"], result.get("versions", {}))

    mem = {m["mode"]: m for m in memory}
    return {
        "cells": cells,
        "ratios": ratios,
        "memory": mem,
        "versions": versions,
        "targets": _targets(cells, mem),
    }


def _ends_no_span(cell: dict) -> bool:
    """Did this mode end no span on some round of the case (OpenLIT's broken-off stream, openai-v2 on the Responses
    API)? Such a peer skipped the work measured: left out of the comparisons, flagged in the tables."""
    return cell["min_spans_per_call"] < 1


def _targets(cells: dict, mem: dict) -> list[dict]:
    targets = []
    for case, row in cells.items():
        ours = row.get(OURS, {}).get("overhead_us")
        # a peer that ends no span on a case (OpenLIT's broken-off stream) skips the work measured: not compared
        spanless = [m for m, c in row.items() if m not in NOT_PEERS and _ends_no_span(c)]
        peers = {m: c["overhead_us"] for m, c in row.items() if m not in NOT_PEERS and m not in spanless}
        if ours is None or not peers:
            continue
        left_out = f"; left out, no span ends: {', '.join(spanless)}" if spanless else ""
        worst = [m for m, o in peers.items() if o <= ours]
        best = min(peers, key=peers.get)
        targets.append({
            "target": f"{case}: ours has the lowest overhead",
            "ok": not worst,
            "detail": f"ours {ours:+.0f} µs; lowest peer {best} {peers[best]:+.0f} µs"
            + (f"; not beaten: {', '.join(worst)}" if worst else "") + left_out,
        })
        if peers[best] > 0:  # issue 12's aim: at most 0.75 of the best peer's overhead
            targets.append({
                "target": f"{case}: ours ≤ {BEST_PEER_RATIO:g}× the best peer's overhead",
                "ok": ours <= BEST_PEER_RATIO * peers[best],
                "detail": f"ours {ours:+.0f} µs ÷ {best} {peers[best]:+.0f} µs = {ours / peers[best]:.2f}" + left_out,
            })
        ours_calls = row.get(OURS, {}).get("extra_python_calls")
        peers_calls = {m: c["extra_python_calls"] for m, c in row.items()
                       if m not in NOT_PEERS and m not in spanless and c.get("extra_python_calls") is not None}
        if ours_calls is not None and peers_calls:
            fewer = [m for m, n in peers_calls.items() if n <= ours_calls]
            fewest = min(peers_calls, key=peers_calls.get)
            targets.append({
                "target": f"{case}: ours makes the fewest extra Python calls",
                "ok": not fewer,
                "detail": f"ours {ours_calls:+.0f}; fewest of the peers {fewest} {peers_calls[fewest]:+.0f}"
                + (f"; not beaten: {', '.join(fewer)}" if fewer else ""),
            })
    chat = cells.get("chat", {})
    if OURS in chat and OFFICIAL in chat and "overhead_us" in chat[OFFICIAL]:
        ours, official = chat[OURS]["overhead_us"], chat[OFFICIAL]["overhead_us"]
        targets.append({
            "target": f"chat: ours ≤ 1/3 of {OFFICIAL}'s overhead",
            "ok": ours <= official / 3,
            "detail": f"ours {ours:+.0f} µs vs {OFFICIAL} {official:+.0f} µs (limit {official / 3:+.0f} µs)",
        })
    if OURS in mem and "bare" in mem:
        ours_o = mem[OURS]["gc_objects_per_1000_calls_second_half"]
        bare_o = mem["bare"]["gc_objects_per_1000_calls_second_half"]
        ok = ours_o - bare_o <= GROWTH_OBJECTS_PER_1000_CALLS
        detail = (f"live GC objects kept over the second half: ours {ours_o:+.2f} per 1000 calls, bare {bare_o:+.2f}"
                  f" (limit: bare + {GROWTH_OBJECTS_PER_1000_CALLS:g})")
        if "traced_bytes_per_call_second_half" in mem[OURS] and "traced_bytes_per_call_second_half" in mem["bare"]:
            ours_b = mem[OURS]["traced_bytes_per_call_second_half"]
            bare_b = mem["bare"]["traced_bytes_per_call_second_half"]
            ok = ok and ours_b - bare_b <= GROWTH_BYTES_PER_CALL
            detail += (f"; traced memory: ours {ours_b:.2f} B/call, bare {bare_b:.2f} B/call"
                       f" (limit: bare + {GROWTH_BYTES_PER_CALL:g})")
        targets.append({"target": "memory: no growth", "ok": ok, "detail": detail})
    return targets


def _flags(cell: dict, mode: str) -> str:
    flags = ""
    if mode != "bare" and _ends_no_span(cell):
        flags += " ⚠no span"
    if cell["max_raw_spans_per_call"] > 0:
        flags += " ⚠raw calls made spans"
    return flags


def _fmt_overhead(cell: dict | None, mode: str) -> str:
    if not cell:
        return "–"
    if mode == "bare":
        return f"{cell['median_raw_us']:.0f} (noise {cell['overhead_us']:+.0f})"
    if cell["median_raw_us"] < 10:  # the stub case: a percentage of ~1 µs means nothing
        return f"{cell['overhead_us']:+.0f}{_flags(cell, mode)}"
    return f"{cell['overhead_us']:+.0f} ({cell['overhead_pct']:+.0f}%){_flags(cell, mode)}"


def _fmt_xproc(cell: dict | None, mode: str) -> str:
    if not cell:
        return "–"
    if mode == "bare":
        return f"{cell['median_us']:.0f}"
    if cell["median_raw_us"] < 10:
        return f"{cell['median_us']:.0f} ({cell['xproc_overhead_us']:+.0f})"
    return f"{cell['median_us']:.0f} ({cell['xproc_overhead_us']:+.0f}, {cell['xproc_overhead_pct']:+.0f}%)"


def _fmt_calls(cell: dict | None, mode: str) -> str:
    if not cell or cell.get("extra_python_calls") is None:
        return "–"
    return f"{cell['extra_python_calls']:+.0f}"


def _mode_table(intro: str, cells: dict, modes: list[str], fmt) -> list[str]:  # noqa: ANN001 - a cell formatter
    """A paragraph, then a table of every case (rows) by mode (columns), each cell as ``fmt(cell, mode)`` writes it."""
    lines = ["", intro, "", "| case | " + " | ".join(modes) + " |",
             "| --- | " + " | ".join("---:" for _ in modes) + " |"]
    for case, row in cells.items():
        lines.append(f"| {case} | " + " | ".join(fmt(row.get(m), m) for m in modes) + " |")
    return lines


def _ratios(cells: dict) -> dict[str, dict[str, float | None]]:
    """Ours ÷ each peer's in-process overhead, by case; None for a peer that ends no span on the case (its overhead
    is not the work ours does: the report's table says "no span", as the targets leave it out)."""
    ratios: dict[str, dict[str, float | None]] = {}
    for case, row in cells.items():
        ours = row.get(OURS, {}).get("overhead_us")
        if ours is None:
            continue
        for mode, cell in row.items():
            if mode in NOT_PEERS or cell.get("overhead_us") is None:
                continue
            if _ends_no_span(cell):
                ratios.setdefault(case, {})[mode] = None
            elif cell["overhead_us"] > 0:
                ratios.setdefault(case, {})[mode] = ours / cell["overhead_us"]
    return ratios


def _fmt_ratio(row: dict, mode: str) -> str:
    if mode not in row:
        return "–"
    return "no span" if row[mode] is None else f"{row[mode]:.2f}"


def render_markdown(run: dict, summary: dict, errors: list[dict]) -> str:
    cells, ratios, mem = summary["cells"], summary["ratios"], summary["memory"]
    modes = [m for m in ("bare", OURS, "aicost-checkout", "aicost-before", "genai-openai", "openai-v2", "openllmetry",
                         "openlit")
             if any(m in row for row in cells.values()) or m in mem]
    lines = [
        "# otel-aicost overhead benchmark",
        "",
        f"Run {run['started']} → {run['finished']} · `{run['command']}` · {run['cpus']} CPUs, load average"
        f" {run['loadavg_before'][0]:.1f} before / {run['loadavg_after'][0]:.1f} after · {run['rounds']} rounds;"
        f" per round and case each worker makes {run['calls']} instrumented and {run['calls']} raw calls"
        f" ({run.get('stream_calls')} for the 50-chunk streams) after {run['warmup']} warm-up calls of each.",
        "",
        "Times are process CPU time (all threads, so span export counts) per call, in µs.",
    ]
    lines += _mode_table(
        "**Overhead per call, in-process** (primary): each worker alternates batches of raw calls (the SDK's own"
        " function, past every wrapper) and instrumented calls; the overhead is the median over rounds of each"
        " worker's median paired difference, and % is of the raw call. The bare column gives the raw call's µs"
        " and, as *noise*, the same measurement with no instrumentation at all.",
        cells, modes, _fmt_overhead,
    )
    lines += _mode_table(
        "**Cross-process check**: median µs per instrumented call of each mode's worker (peers run in their own"
        " venvs), and in parentheses its difference from the bare worker of the same round (noisier: separate"
        " processes run at different moments).",
        cells, modes, _fmt_xproc,
    )
    if any(cell.get("extra_python_calls") is not None for row in cells.values() for cell in row.values()):
        lines += _mode_table(
            "**Extra Python function calls per call** over the raw call (deterministic: cProfile's total, C functions"
            " included, of instrumented calls less as many raw ones, the span flush included, the cyclic collector off;"
            " counted once, in the first round: `worker.count_extra_calls`, as `tests/unit/test_call_budget.py` counts"
            " ours):",
            cells, modes, _fmt_calls,
        )
    peers = [m for m in modes if m not in NOT_PEERS]
    if ratios:
        lines += [
            "",
            "Our in-process overhead ÷ the peer's (below 1 = we cost less):",
            "",
            "| case | " + " | ".join(peers) + " |",
            "| --- | " + " | ".join("---:" for _ in peers) + " |",
        ]
        for case, row in ratios.items():
            lines.append(f"| {case} | " + " | ".join(_fmt_ratio(row, p) for p in peers) + " |")
    if mem:
        traced = all("traced_growth_kib" in m for m in mem.values())
        lines += [
            "",
            f"**Memory** over {run.get('memory_calls')} calls (all the cases in turn) after warm-up, measured after a"
            " span flush, a metric collection and a full GC. *Second half* is the second half of those calls, so one-time"
            " caches and warm-up do not count:",
            "",
            "| mode | live GC objects growth | of which second half | second half per 1000 calls | RSS growth (KiB) |"
            + (" tracemalloc growth (KiB) | second half B/call |" if traced else ""),
            "| --- | ---: | ---: | ---: | ---: |" + (" ---: | ---: |" if traced else ""),
        ]
        for mode in modes:
            if mode in mem:
                m = mem[mode]
                lines.append(
                    f"| {mode} | {m['gc_objects_growth']:+d} | {m['gc_objects_growth_second_half']:+d} |"
                    f" {m['gc_objects_per_1000_calls_second_half']:+.2f} | {m['rss_growth_kib']:+d} |"
                    + (f" {m['traced_growth_kib']:+.1f} | {m['traced_bytes_per_call_second_half']:.2f} |"
                       if traced else "")
                )
    if summary["targets"]:
        lines += ["", "Targets:", ""]
        for t in summary["targets"]:
            lines.append(f"- {'PASS' if t['ok'] else 'FAIL'} — {t['target']}: {t['detail']}")
    lines += ["", "Versions:", ""]
    for mode in modes:
        v = summary["versions"].get(mode, {})
        lines.append(f"- {mode}: " + ", ".join(f"{k} {val}" for k, val in v.items()))
    spans: dict[str, set] = {}
    for row in cells.values():
        for m, cell in row.items():
            if m != "bare":
                spans.setdefault(m, set()).update(cell["span_names"])
    if spans:
        lines += ["", "Spans seen (proof each instrumentation was active): "
                  + "; ".join(f"{m}: {', '.join(sorted(n)) or 'NONE'}" for m, n in spans.items())]
    if errors:
        lines += ["", "Errors:", ""]
        for e in errors:
            lines.append(f"- {e.get('mode')} {e.get('case', 'memory')} round {e.get('round', '-')}: "
                         + e["error"].replace("\n", " ⏎ "))
    return "\n".join(lines) + "\n"
