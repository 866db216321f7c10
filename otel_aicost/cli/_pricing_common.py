"""Shared bits of the ``prices`` and ``estimate`` commands: settings, errors with exit code 2, output."""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import click

from otel_aicost import semconv
from otel_aicost.config.settings import ConfigError, Settings, load_settings
from otel_aicost.quoting import show


class BadInput(click.ClickException):
    """A clear message on stderr and exit code 2, no traceback (click's default for ClickException is 1)."""

    exit_code = 2


DEPLOYMENT_TYPE = click.Choice(semconv.DEPLOYMENT_TYPES)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        raise BadInput(str(error)) from None


def unknown_model(model: str, known: Iterable[str]) -> BadInput:
    """The error for a model nothing can price, with the closest known names ("did you mean gpt-4o?")."""
    names = sorted(set(known))
    squeeze = {re.sub(r"[^a-z0-9]", "", name.lower()): name for name in names}
    same = squeeze.get(re.sub(r"[^a-z0-9]", "", model.lower()))
    close = [same] if same else difflib.get_close_matches(model.lower(), names, n=3, cutoff=0.75)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    return BadInput(
        f"unknown model {show(model)}: no shipped or configured price; {hint}(run 'otel-aicost prices' to list "
        "known models, or add a [[prices]] entry to your config file)"
    )


def money(value: Decimal | None) -> str | None:
    """A Decimal as plain digits (no exponent), exact."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def emit(rows: Sequence[Mapping[str, Any]], fmt: str, columns: Sequence[str]) -> None:
    if fmt == "json":
        click.echo(json.dumps(list(rows), indent=2))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        table = [[str(row.get(column) if row.get(column) is not None else "-") for column in columns] for row in rows]
        widths = [max([len(column)] + [len(line[i]) for line in table]) for i, column in enumerate(columns)]
        click.echo("  ".join(column.ljust(width) for column, width in zip(columns, widths)).rstrip())
        for line in table:
            click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
