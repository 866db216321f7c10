"""Reconciliation and showback rows as plain dicts, and their table, JSON and CSV forms."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from otel_aicost.finops.focus.write import format_decimal
from otel_aicost.finops.reconcile.allocate import Share, tag_label
from otel_aicost.finops.reconcile.gateway import COMPLETION, PROMPT, GatewayGroup
from otel_aicost.finops.reconcile.reconciliation import Reconciliation

SHARE_QUANTUM = Decimal("1e-12")  # the share is informative; BilledCost carries the exact split
GROUP_COLUMNS = (
    "day", "account", "model", "deployment_type", "direction", "currency", "billed_cost", "telemetry_cost", "gap",
    "billed_tokens", "telemetry_tokens", "carried_tokens", "gap_class", "meters", "note",
)  # fmt: skip
SHOWBACK_COLUMNS = (
    "ChargePeriodStart", "ChargePeriodEnd", "BillingCurrency", "BilledCost", "Tags", "x_AllocationTags",
    "x_AllocationBasis", "x_AllocationShare", "x_RowBilledCost", "ResourceId", "SubAccountId", "SkuMeter",
    "x_AccountName", "x_Model", "x_DeploymentType", "x_TokenType", "x_GapClass", "x_SourceRow",
)  # fmt: skip


def group_rows(result: Reconciliation) -> list[dict]:
    rows = []
    for g in result.groups:
        rows.append(
            {
                "day": g.day.isoformat(),
                "account": g.account,
                "model": g.model,
                "deployment_type": g.deployment_type,
                "direction": g.direction,
                "currency": g.currency,
                "billed_cost": g.billed_cost,
                "telemetry_cost": g.telemetry.cost,
                "gap": g.gap,
                "billed_tokens": g.billed_tokens,
                "telemetry_tokens": g.telemetry.tokens,
                "carried_tokens": g.carried_in - g.carried_out,
                "gap_class": g.gap_class,
                "meters": "; ".join(g.meters),
                "note": g.note,
            }
        )
    return rows


def showback_rows(shares: Iterable[Share], basis: str) -> Iterator[dict]:
    for s in shares:
        row, group = s.row, s.group
        yield {
            "ChargePeriodStart": row.period_start,
            "ChargePeriodEnd": row.period_end,
            "BillingCurrency": row.currency,
            "BilledCost": s.cost,
            "Tags": "" if s.tags == "unallocated" else s.tags,
            "x_AllocationTags": tag_label(s.tags),
            "x_AllocationBasis": basis,
            "x_AllocationShare": (Decimal(s.fraction.numerator) / Decimal(s.fraction.denominator)).quantize(
                SHARE_QUANTUM
            ),
            "x_RowBilledCost": row.cost,
            "ResourceId": row.resource_id,
            "SubAccountId": row.extra.get("SubAccountId", ""),
            "SkuMeter": row.meter_name,
            "x_AccountName": group.account,
            "x_Model": group.model,
            "x_DeploymentType": group.deployment_type,
            "x_TokenType": group.direction,
            "x_GapClass": group.gap_class,
            "x_SourceRow": row.where,
        }


GATEWAY_COLUMNS = (
    "day", "dimensions", "gateway_prompt_tokens", "telemetry_prompt_tokens", "gateway_completion_tokens",
    "telemetry_completion_tokens", "gap_tokens", "flag",
)  # fmt: skip


def gateway_rows(groups: Iterable[GatewayGroup], plain: bool = False) -> list[dict]:
    rows = []
    for g in groups:
        row = {
            "day": g.day.isoformat(),
            "dimensions": g.label,
            "gateway_prompt_tokens": g.gateway[PROMPT],
            "telemetry_prompt_tokens": g.telemetry[PROMPT],
            "gateway_completion_tokens": g.gateway[COMPLETION],
            "telemetry_completion_tokens": g.telemetry[COMPLETION],
            "gap_tokens": sum(g.gateway.values()) - sum(g.telemetry.values()),
            "flag": g.flag,
        }
        rows.append({k: _cell(v) if plain and isinstance(v, Decimal) else v for k, v in row.items()})
    return rows


def gateway_table(groups: list[GatewayGroup], keys: list[str]) -> str:
    rows = gateway_rows(groups)
    headers = ("day", "dimensions", "gw prompt", "tel prompt", "gw completion", "tel completion", "gap", "flag")
    cells = [[_short(v) for v in row.values()] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = [f"gateway dimensions compared: {', '.join(keys) or '(none: totals per day)'}"]
    lines.append("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    flagged = [g for g in groups if g.flag != "ok"]
    lines.append(f"{len(flagged)} of {len(groups)} group(s) flagged (bypassed_gateway: telemetry saw more; "
                 "bypassed_instrumentation: the gateway metered more)")  # fmt: skip
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def to_csv(rows: Iterable[dict], columns: tuple[str, ...], out: io.TextIOBase) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])


def to_json(result: Reconciliation, rows: list[dict]) -> str:
    def plain(value: object) -> object:
        return _cell(value) if isinstance(value, Decimal) or hasattr(value, "strftime") else value

    document = {
        "window": {"since": _cell(result.since), "until": _cell(result.until)},
        "export_files": result.export.files,
        "ignored_export_runs": result.export.ignored_runs,
        "skipped_billed_rows": {
            reason: {"rows": n, "cost": {c: _cell(v) for c, v in costs.items()}}
            for reason, (n, costs) in sorted(result.export.skipped.items())
        },
        "telemetry_calls_not_on_azure_accounts": result.telemetry.other_endpoints,
        "totals": {k: {n: _cell(v) for n, v in t.items()} for k, t in sorted(result.totals().items())},
        "warnings": result.warnings,
        "groups": [{k: plain(v) for k, v in row.items()} for row in rows],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def to_table(result: Reconciliation, rows: list[dict]) -> str:
    headers = ("day", "account", "model", "type", "dir", "cur", "billed", "telemetry", "gap", "tok billed", "tok tel",
               "class")  # fmt: skip
    keys = ("day", "account", "model", "deployment_type", "direction", "currency", "billed_cost", "telemetry_cost",
            "gap", "billed_tokens", "telemetry_tokens", "gap_class")  # fmt: skip
    cells = [[_short(row[k]) for k in keys] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    lines.append("")
    for (gap_class, currency), t in sorted(result.totals_by_currency().items()):
        lines.append(
            f"{gap_class:17} {int(t['groups']):5} group(s)  billed {_short(t['billed'])} {currency}  "
            f"telemetry {_short(t['telemetry'])} {currency}  gap {_short(t['gap'])} {currency}"
        )
    for reason, (n, costs) in sorted(result.export.skipped.items()):
        money = ", ".join(f"{_short(v)} {c}" for c, v in sorted(costs.items()))
        lines.append(f"skipped billed rows: {n} {reason} ({money})")
    for host, calls in sorted(result.telemetry.other_endpoints.items()):
        lines.append(f"telemetry not on an Azure OpenAI account: {calls} call row(s) to {host}")
    for folder in result.export.ignored_runs:
        lines.append(f"older export run ignored (a newer run covers the same period): {folder}")
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def _short(value: object) -> str:
    if isinstance(value, Decimal):
        return format_decimal(value.quantize(Decimal("0.000001")) if abs(value.as_tuple().exponent) > 6 else value)
    return str(value)
