"""The user's own prices (``[[prices]]`` in the config file): exact name or glob, optional effective date.

They win over every shipped price. Rates are USD per 1M tokens whatever the configured currency: calls are
priced in USD and converted with ``usd_rate``, overrides included. Among overrides that match a model, an exact name beats a glob; among those,
the one with the latest ``effective_from`` that has started wins; ties go to the first in the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from fnmatch import fnmatchcase

from otel_aicost.config.settings import PriceOverride
from otel_aicost.cost.pricing.entry import OPTIONAL_RATES, PriceEntry
from otel_aicost.cost.pricing.names import normalise

SOURCE = "config"


class Overrides:
    def __init__(self, overrides: Iterable[PriceOverride]) -> None:
        self._overrides = tuple(overrides)

    def __bool__(self) -> bool:
        return bool(self._overrides)

    def lookup(self, model: str, today: date) -> PriceEntry | None:
        name = normalise(model)
        best: tuple[int, date, int] | None = None
        chosen: PriceOverride | None = None
        for index, override in enumerate(self._overrides):
            pattern = normalise(override.model)
            exact = pattern == name
            if not exact and not fnmatchcase(name, pattern):
                continue
            start = override.effective_from or date.min
            if start > today:
                continue
            rank = (1 if exact else 0, start, -index)
            if best is None or rank > best:
                best, chosen = rank, override
        if chosen is None:
            return None
        return PriceEntry(
            model=chosen.model,
            source=SOURCE,
            input=chosen.input,
            output=chosen.output,
            effective_from=chosen.effective_from,
            valid_until=chosen.valid_until,
            **{name: getattr(chosen, name) for name in OPTIONAL_RATES},
        )

    def patterns(self) -> list[str]:
        return [override.model for override in self._overrides]
