"""A worker's cells, packed for the parent (``cell_pickle``), come back as they were: every value, its type and
(for money) its exponent, which decides the printed digits."""

from __future__ import annotations

import pickle
from decimal import Decimal

from otel_aicost.finops import call_cells, cell_pickle
from otel_aicost.finops.call_table import CallTable, Plan
from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS

# Typed-in money of every shape a sum takes: zeros with and without decimals, exponents far apart, trailing zeros.
MONEY = [
    Decimal(0), Decimal("0.0"), Decimal("0E-12"), Decimal("0.00067710"), Decimal("1E-7"), Decimal("123.4500"),
    Decimal("98765432109876543210.123456789"), Decimal("4304.55102418"), Decimal("2.5E+3"), Decimal("-0.000001"),
]  # fmt: skip
COUNTS = [0, 1, 256, 257, 2942, 1 << 40, (1 << 70) + 3, 12, 0, 7, 393, 99, 5]


class Info:
    def __init__(self, name: str) -> None:
        self.name = name


def day_cell(info, n: int, extra=None) -> list:
    cell = [info] + [None] * 20
    counts = iter(COUNTS[n:] + COUNTS[:n])
    money = iter(MONEY[n:] + MONEY[:n])
    for slot in range(1, 20):
        is_money = call_cells.COST <= slot < call_cells.UNCACHED or slot == call_cells.SAVINGS
        cell[slot] = next(money) if is_money else next(counts)
    cell[call_cells.EXTRA] = extra
    return cell


def hour_cell(n: int) -> list:
    return [*(COUNTS[n : n + 6]), *(MONEY[n % 6 : n % 6 + 4])]


def shown(cells: dict) -> list:
    """Every value with its type and, for money, its exact text (repr shows the exponent)."""
    return [(key, [(type(v).__name__, repr(v)) for v in cell[1:]]) for key, cell in cells.items()]


def test_packed_cells_come_back_with_every_value_type_and_exponent():
    infos = [Info("a"), Info("b"), Info("c")]
    extra = {"output": [0, Decimal("-0.0000001"), 1, 0]}
    cells = {
        0: day_cell(infos[0], 0),
        5 * DAY_NS + 1: day_cell(infos[1], 3, extra),
        9 * DAY_NS + 2: day_cell(infos[2], 7),
        9 * DAY_NS + 0: day_cell(infos[0], 11),
    }
    hourly = {HOUR_NS * 3 + 0: hour_cell(0), HOUR_NS * 700 + 1: hour_cell(5)}
    packed = pickle.loads(pickle.dumps(cell_pickle.pack(cells, hourly)))
    assert packed[0] == "packed"
    got_cells, got_hourly = cell_pickle.unpack(packed, infos)
    assert list(got_cells) == list(cells) and list(got_hourly) == list(hourly)
    assert shown(got_cells) == shown(cells)
    assert [[(type(v), repr(v)) for v in c] for c in got_hourly.values()] == [
        [(type(v), repr(v)) for v in c] for c in hourly.values()
    ]
    for key, cell in got_cells.items():
        assert cell[call_cells.INFO] is infos[key % call_cells.ID_SPAN]
    assert got_cells[5 * DAY_NS + 1][call_cells.EXTRA] == extra


def test_a_value_of_another_kind_sends_the_cells_unpacked():
    info = Info("a")
    cell = day_cell(info, 0)
    cell[call_cells.COST] = 0  # an int where money goes: never made by the table, but never changed by packing
    packed = cell_pickle.pack({7: cell}, {})
    assert packed[0] == "cells"
    got, hourly = cell_pickle.unpack(pickle.loads(pickle.dumps(packed)), [info])
    assert got[7][call_cells.COST] == 0 and type(got[7][call_cells.COST]) is int and hourly == {}


def test_an_empty_table_pickles():
    table = pickle.loads(pickle.dumps(CallTable(Plan(by=("model",), series_by=("model",), focus="day"))))
    assert table.cells == {} and table.hourly == {}
