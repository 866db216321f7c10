"""Every histogram record of one usual call in one step, once the aggregations they feed are known.

A chat call records four values (duration, input and output tokens, cost), an embeddings call three, each under its
kind of call's prepared attribute set (``metrics.Series``). ``Recorder.record`` (``histogram_records.py``) adds one
value straight into the cumulative aggregations its set feeds, after the checks of that path (the value's range, the
meter, the reader storages, the exemplar filter). Once every (recorder, attribute set) of a plan has its cumulative
aggregations under the same reader storages, ``RecordPlan.record`` makes those checks once for all the values and
adds each to its aggregations (``sdk_internals.aggregate_values``): the same sums, bucket counts, min and max as one
record per value. When the exemplar filter samples the call (a sampled span in the context, an ``AlwaysOn`` filter),
every value is then offered to its aggregations' exemplar reservoirs, as each record would offer it
(``sdk_internals.offer_each_exemplar``; the filter's answer and the span the offers write read once,
``sampled_span_ids``; the SDK's default reservoir's offers written as its own ``offer`` writes them; a cumulative
plan's in the add's own loop, in the bucket the add found, where every reservoir is that one with the aggregation's
boundaries: ``sdk_internals.aggregate_values`` given the offers, ``offers_fold``). It declines
(False: record them one by one) until then, whenever the reader storages change, when a value is out of the SDK's
range, when the meter is off, and for a filter that looks at values (``_learn``: not one of the SDK's context-only
filters). A stream's plan has one more pair whose aggregations take
any number of values (``repeated``: the gaps between its chunks), added in one batch each (``sdk_internals.aggregate``),
so a stream's end records everything in this one step too. Where some view is a delta reader's (the Azure Monitor
exporter asks delta for histograms), its aggregations are replaced at each collection and never known for the plan:
the plan then keeps each pair's view matches and the attributes each keeps (``_learn_views``) and, on each call,
looks each aggregation up under its view's lock and adds the value while holding it, as the SDK does for a delta view
(``sdk_internals.aggregations_in_views``; an aggregation found is kept for its slot while the view keeps the same
table of them, a collection's new table looked up again): a chat call with a delta reader added 304k instructions
recording one by one.
``tests/unit/test_record_plan.py`` compares its points with the one-by-one path's, delta readers included.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import isfinite
from time import time_ns
from typing import Any

from otel_aicost.export.sdk_internals import (
    CONTEXT_ONLY_FILTERS,
    UNREAD,
    aggregate,
    aggregate_offering,
    aggregate_values,
    aggregations_in_views,
    meter_check,
    offer_each_exemplar,
    offers_fold,
    reader_storages,
    resets_on_collect,
    sampled_span_ids,
    span_ids,
    tables_replaced_on_collect,
    view_locks,
)
from otel_aicost.instrumentation.histogram_records import AttributeSet, Moment, Recorder


class RecordPlan:
    """The records of one shape of call (a fixed list of recorders and attribute sets, and optionally one more pair
    that takes any number of values, ``repeated``), made together."""

    __slots__ = ("pairs", "repeated_pair", "consumer", "storages", "aggregations", "repeated", "spread", "filter",
                 "attributes", "meter_check", "offered", "views", "repeated_views", "locks", "found",
                 "repeated_found", "folds")  # fmt: skip

    def __init__(self, pairs: Sequence[tuple[Recorder, AttributeSet]],
                 repeated: tuple[Recorder, AttributeSet] | None = None) -> None:  # fmt: skip
        self.pairs = tuple(pairs)
        self.repeated_pair = repeated
        self.repeated: tuple[Any, ...] = ()  # the repeated pair's aggregations
        self.storages: Any = None  # None: not known yet (or no longer): record one by one
        self.consumer: Any = None
        self.aggregations: tuple[Any, ...] = ()  # every pair's aggregations, in order, one after the other
        self.spread: tuple[int, ...] | None = None  # how many each pair has, when not one each (several readers)
        self.filter: Any = None
        self.attributes: Any = None  # the first set's attributes: what a context-only filter is shown
        self.meter_check: Any = None  # sdk_internals.meter_check of the first histogram (None: it always records)
        self.offered: tuple[dict[str, Any], ...] = ()  # each aggregation's records' attributes (their exemplars')
        # some view is a delta reader's: every pair's (view match, its attributes, their key), in order, in place of
        # aggregations (looked up on each call, sdk_internals.aggregations_in_views); None: the cumulative plan
        self.views: tuple[tuple[Any, dict[str, Any], Any], ...] | None = None
        self.repeated_views: tuple[tuple[Any, dict[str, Any], Any], ...] = ()  # the repeated pair's
        self.locks: tuple[Any, ...] = ()  # their views' locks (sdk_internals.view_locks); () for the cumulative plan
        # per view slot, the table each aggregation was last found in and that aggregation (aggregations_in_views:
        # not looked up again while the view keeps its table); None: looked up on every call
        self.found: tuple[list[Any], list[Any]] | None = None
        self.repeated_found: tuple[list[Any], list[Any]] | None = None  # the repeated pair's
        self.folds = False  # the cumulative plan's offers made in its add's loop (sdk_internals.offers_fold)

    def record(self, values: Sequence[float], moment: Moment | None, in_range: bool = False, context: Any = None,
               more: Sequence[float] = ()) -> bool:  # fmt: skip
        """Add ``values`` (one per pair, in order) and ``more`` (all of them to the repeated pair, in order) as one
        record each would; False if nothing was recorded.
        ``in_range``: the caller knows every value finite and not negative (the SDK's range), not checked again.
        ``moment``: the call's records' ``Moment``, or None: the meter and the exemplar filter asked here, in
        ``context`` (the current one), for a call that makes no other record (no Moment made: its frame, its
        ``samples`` frame and ``meter_enabled``'s cost about 2k instructions a chat call, own_instructions.py)."""
        storages = self.storages
        if storages is None:
            storages = self._learn()
            if storages is None:
                return False
        if moment is None:
            check = self.meter_check
            if check is not None and not check():
                return False
        elif moment.meter_enabled is not True:
            return False
        # negative, NaN or infinite: the SDK drops it (a NaN or an infinity makes the sum not finite)
        if not (in_range or (min(values) >= 0 and isfinite(sum(values)) and (
            not more or (min(more) >= 0 and isfinite(sum(more)))
        ))):
            return False
        exemplar_filter = self.filter
        if moment is None:  # a context-only filter (_learn): Moment.samples' question, asked once, and what the
            # exemplar offers write of the span read with it (False: not sampled; the time read only if sampled)
            ids = sampled_span_ids(exemplar_filter, values[0], self.attributes, context)
        elif moment._filter is exemplar_filter:  # asked already at this moment
            ids = UNREAD if moment._sampled else False
        else:
            ids = UNREAD if moment.samples(exemplar_filter, values[0], self.attributes) else False
        if self.spread is not None:  # each value once per aggregation of its pair
            values = [value for value, count in zip(values, self.spread) for _ in range(count)]
        locks = self.locks  # a delta reader's views' (held from the lookup to the add, as the SDK holds them); none
        # for the cumulative plan, whose aggregations the SDK keeps
        for lock in locks:
            lock.acquire()
        try:
            if self.views is None:
                aggregations, repeated = self.aggregations, self.repeated
            else:  # the aggregations each view holds now (a delta view's are replaced at each collection)
                aggregations = aggregations_in_views(self.consumer, storages, self.views, self.found)
                repeated = (aggregations_in_views(self.consumer, storages, self.repeated_views, self.repeated_found)
                            if more else ())  # fmt: skip
            if aggregations is None or repeated is None:  # the storages changed since the plan learnt them
                self.storages = None  # a reader was added or removed: learn them again
                return False
            folded = ()  # the offers made in the add's loop (offers_fold): the sets they write, one a value
            if ids is not False:  # sampled: every value offered to its aggregations' exemplar reservoirs too, as
                if moment is None:  # each record would
                    now = time_ns()
                else:
                    now, context = moment.now, moment.context
                if ids is UNREAD and (self.folds or more):  # read once for the steps below
                    ids = span_ids(context)
                if self.folds:
                    folded = self.offered
            else:
                now = 0
            if not aggregate_values(self.consumer, storages, aggregations, values, now, folded, ids):
                self.storages = None
                return False
            if more:  # (the storages checked just above)
                if ids is False:
                    for aggregation in repeated:
                        aggregate(aggregation, more)
                else:  # and offered, each bucket's last value found from the add's count
                    attributes = self.repeated_pair[1].attributes  # the repeated pair's set
                    for aggregation in repeated:
                        aggregate_offering(aggregation, more, now, context, attributes, ids)
            if ids is not False and not folded:
                offer_each_exemplar(aggregations, values, now, context, self.offered, ids)
        finally:
            for lock in locks:
                lock.release()
        return True

    def _learn(self) -> Any:
        """The storages every pair's cumulative aggregations are known under, if they are all known and alike (else
        ``_learn_views``)."""
        first_recorder, first_set = self.pairs[0]
        if first_set.aggregations.get(first_recorder) is None:  # the usual answer while none is known (delta readers)
            return self._learn_views()
        pairs = self.pairs if self.repeated_pair is None else (*self.pairs, self.repeated_pair)
        known = [attribute_set.aggregations.get(recorder) for recorder, attribute_set in pairs]
        if any(each is None for each in known):
            return self._learn_views()
        storages = known[0][0]
        recorders = [recorder for recorder, _ in pairs]
        consumer, exemplar_filter = recorders[0]._consumer, recorders[0]._filter
        if (
            any(each[0] is not storages for each in known)
            or any(r._consumer is not consumer or r._filter is not exemplar_filter for r in recorders)
            or type(exemplar_filter) not in CONTEXT_ONLY_FILTERS
        ):
            return None
        self.consumer, self.filter = consumer, exemplar_filter
        if self.repeated_pair is not None:
            self.repeated = tuple(known.pop()[1])
        self.aggregations = tuple(aggregation for each in known for aggregation in each[1])
        self.offered = tuple(attribute_set.attributes for (_, attribute_set), each in zip(self.pairs, known)
                             for _ in each[1])  # fmt: skip
        self.spread = None if all(len(each[1]) == 1 for each in known) else tuple(len(each[1]) for each in known)
        self.attributes = self.pairs[0][1].attributes
        self.meter_check = meter_check(recorders[0].histogram)  # one meter: its instruments all on or all off
        self.views, self.locks = None, ()
        self.folds = offers_fold(self.aggregations)
        self.storages = storages
        return storages

    def _learn_views(self) -> Any:
        """The reader storages, with every pair's view matches and the attributes each keeps, when some view is a
        delta reader's (its aggregations are replaced at each collection, so never known for the plan above) and
        every view aggregates into explicit buckets; None otherwise (with only cumulative views, the one-by-one
        path learns their aggregations for the plan above)."""
        pairs = self.pairs if self.repeated_pair is None else (*self.pairs, self.repeated_pair)
        recorders = [recorder for recorder, _ in pairs]
        consumer = recorders[0]._plan()
        if consumer is None:
            return None
        exemplar_filter = recorders[0]._filter
        if (
            any(r._plan() is not consumer or r._filter is not exemplar_filter for r in recorders)
            or type(exemplar_filter) not in CONTEXT_ONLY_FILTERS
            or any(attribute_set.key is None for _, attribute_set in pairs)  # values the SDK would clean
        ):
            return None
        storages = reader_storages(consumer)
        slots = []
        for recorder, attribute_set in pairs:
            matches = recorder.matches(storages)
            if matches is None:
                return None
            slots.append([(match, *attribute_set.view(match)) for match in matches])
        if not any(resets_on_collect(match) for each in slots for match, _, _ in each):
            return None
        self.consumer, self.filter = consumer, exemplar_filter
        if self.repeated_pair is not None:
            self.repeated_views = tuple(slots.pop())
        self.views = tuple(slot for each in slots for slot in each)
        self.locks = view_locks((*self.views, *self.repeated_views))
        if tables_replaced_on_collect():
            self.found = ([None] * len(self.views), [None] * len(self.views))
            self.repeated_found = ([None] * len(self.repeated_views), [None] * len(self.repeated_views))
        else:
            self.found = self.repeated_found = None
        self.aggregations = ()
        self.folds = False  # (a delta view's aggregations are new at each collection: not checked per call)
        self.offered = tuple(attribute_set.attributes for (_, attribute_set), each in zip(self.pairs, slots)
                             for _ in each)  # fmt: skip
        self.spread = None if all(len(each) == 1 for each in slots) else tuple(len(each) for each in slots)
        self.attributes = self.pairs[0][1].attributes
        self.meter_check = meter_check(recorders[0].histogram)
        self.storages = storages
        return storages
