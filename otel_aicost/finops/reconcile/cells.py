"""One cell of a bill or gateway file as text, a ``Decimal`` or a UTC moment; ``ExportError`` when it is not one.

Every error names ``file:line`` (or ``file:row N``) and the column: a bill is not something to half-read.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

_FRACTION = re.compile(r"\.(\d+)")


class ExportError(ValueError):
    """The export cannot be read: a file, a column or a value (with ``file:line``)."""


def text(raw: dict, column: str) -> str:
    """The cell as stripped text; '' when it is absent or empty."""
    value = raw.get(column)
    return "" if value is None else str(value).strip()


def number(where: str, column: str | None, value: object) -> Decimal:
    """A finite number (a float through its shortest repr, as Parquet doubles are)."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ExportError(f"{where}: column {column}: {value!r} is not a number")
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ExportError(f"{where}: column {column}: {value!r} is not a number") from None
    if not result.is_finite():
        raise ExportError(f"{where}: column {column}: {value!r} is not a finite number")
    return result


def optional_number(where: str, raw: dict, column: str) -> Decimal | None:
    """The cell as a number, None when it is absent or empty."""
    value = raw.get(column)
    return None if value is None or value == "" else number(where, column, value)


def iso_moment(text: str) -> datetime:
    """ISO 8601 as exports write it: ``Z``, a space for ``T``, 7-digit fractions (.NET) included, on Python 3.10 too."""
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if len(text) > 10 and text[10] == " ":
        text = text[:10] + "T" + text[11:]
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    return datetime.fromisoformat(text)


def moment(where: str, raw: dict, column: str, required: bool) -> datetime | None:
    """The cell as a UTC moment (a date is its midnight); None when empty and not ``required``."""
    value = raw.get(column)
    if value is None or value == "":
        if required:
            raise ExportError(f"{where}: column {column}: empty")
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    text = str(value).strip()
    try:
        if "/" in text:  # Cost Management's US-style dates in older exports: MM/DD/YYYY
            parsed = datetime.strptime(text.split(" ")[0], "%m/%d/%Y")
        else:
            parsed = iso_moment(text)
    except ValueError:
        raise ExportError(f"{where}: column {column}: {text!r} is not a date") from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
