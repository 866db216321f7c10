"""How a reader worker's cells travel to the parent: packed (``pack``), not as one pickled list per cell.

Pickled as they are, a worker's tens of thousands of cells cost the worker a memo entry for every cell, every
``Decimal`` and the text and argument tuple each ``Decimal`` is reduced to, and freeing that memo walked every one
of them again (cold memory: cachegrind at 200k spans, ``Pickler_dealloc`` and ``save_list`` were a third of a
worker's last-level read misses); the parent rebuilt each ``Decimal`` with a call of its own. Packed, the cells
are their keys, one list of their counts and one text of their money (each ``Decimal``'s exact text, ``|`` between
them): a ``Decimal``'s text gives it back exactly, exponent included (``Decimal(str(d))`` has ``d``'s digits and
exponent), so a packed and unpacked cell prints as the cell did. A cell's info is not sent: it is the table's
``infos[key % ID_SPAN]``; the rare FOCUS corrections (``EXTRA``) go as they are.

Each slot's kind is fixed by the layout (``call_cells``, ``series``); a value of another kind (never made by the
table) sends the cells unpacked instead, so packing never changes a value.
"""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter

from otel_aicost.finops import call_cells as day
from otel_aicost.finops import series as hour

# Day cells: [info, 6 counts, 5 money, 6 counts, money, count, extra] (checked here, so a layout change fails loudly).
_DAY_COUNTS = (*range(day.REQUESTS, day.COST), *range(day.UNCACHED, day.SAVINGS), day.SAVINGS_UNKNOWN)
_DAY_MONEY = (*range(day.COST, day.UNCACHED), day.SAVINGS)
assert (day.INFO, day.REQUESTS, day.COST, day.UNCACHED, day.SAVINGS, day.SAVINGS_UNKNOWN, day.EXTRA) == (
    0, 1, 7, 12, 18, 19, 20,
), "call_cells' layout changed: update cell_pickle"  # fmt: skip
# Hour cells: [6 counts, 4 money].
_HOUR_COUNTS = tuple(range(hour.REQUESTS, hour.COST))
_HOUR_MONEY = tuple(range(hour.COST, hour.COST_OUTPUT + 1))
assert (hour.REQUESTS, hour.COST, hour.COST_OUTPUT, len(hour.new_cell())) == (0, 6, 9, 10), "series' layout changed"

_SEPARATOR = "|"


def pack(cells: dict[int, list], hourly: dict[int, list]) -> tuple:
    """The day cells (without their info) and the hour cells, packed; unpacked if a value is not of its slot's kind."""
    day_counts, day_money = itemgetter(*_DAY_COUNTS), itemgetter(*_DAY_MONEY)
    hour_counts, hour_money = itemgetter(*_HOUR_COUNTS), itemgetter(*_HOUR_MONEY)
    counts: list = []
    money: list = []
    extras = {}
    for key, cell in cells.items():
        counts += day_counts(cell)
        money += day_money(cell)
        if cell[day.EXTRA] is not None:
            extras[key] = cell[day.EXTRA]
    for cell in hourly.values():
        counts += hour_counts(cell)
        money += hour_money(cell)
    if set(map(type, counts)) - {int} or set(map(type, money)) - {Decimal}:
        return ("cells", cells, hourly)
    text = _SEPARATOR.join(map(str, money))
    return ("packed", list(cells), list(hourly), counts, text, extras)


def unpack(packed: tuple, infos: list) -> tuple[dict[int, list], dict[int, list]]:
    """``(cells, hourly)`` as ``pack`` found them, each day cell with its info from ``infos``."""
    if packed[0] == "cells":
        return packed[1], packed[2]
    _, day_keys, hour_keys, counts, text, extras = packed
    money = list(map(Decimal, text.split(_SEPARATOR))) if text else []
    span = day.ID_SPAN
    cells = {}
    c = m = 0
    for key in day_keys:
        cells[key] = [
            infos[key % span], *counts[c : c + 6], *money[m : m + 5], *counts[c + 6 : c + 12], money[m + 5],
            counts[c + 12], extras.get(key),
        ]  # fmt: skip
        c += 13
        m += 6
    hourly = {}
    for key in hour_keys:
        hourly[key] = [*counts[c : c + 6], *money[m : m + 4]]
        c += 6
        m += 4
    return cells, hourly
