"""Record into SDK histograms without the SDK's per-record overhead: many values of one attribute set at once (a
stream's chunk gaps), and repeated attribute sets cheaply (every call's duration, tokens and cost).

A 50-chunk stream has 49 ``time_per_output_chunk`` values with the same attributes. Recording them one by one costs
the SDK a ``Measurement`` (attribute cleaning), an exemplar decision, an attribute hash and a lock per value, about
10 µs each, most of a stream's overhead. The SDK has no public way to record a batch, so ``record_many`` resolves the
series once and adds every value to its explicit-bucket aggregation the way ``aggregate`` would (the same sum, added
in the same order, the same bucket, min and max), and offers each value the exemplar filter samples to the reservoir.
Every call also records duration, tokens and cost under attribute sets that repeat (model, operation, tags); the SDK
cleans and hashes them on every record. Here an ``AttributeSet`` is prepared once (attribute sets of plain str, int,
float and bool values only: the SDK's cleaning leaves them as they are) and keeps, per view, the cumulative
aggregation it feeds, which the SDK keeps for the life of its reader (delta ones are replaced at each collection and
looked up every time, under the view's lock, as the SDK does). ``metrics.Series`` holds a call kind's sets; callers
without their own use ``record`` / ``record_many``, which keep one per distinct attribute set (the key holds each
value's type, since 1, 1.0 and True are equal in Python but distinct attribute values). A call's records share one
``Moment``: the context, the time, and the exemplar filter's answer when it decides from the context alone. The
exported points are the same as with one ``record()`` per value; ``tests/unit/test_histogram_records.py`` proves it against the
per-record path, with exemplars, views, delta and cumulative collections and the cardinality limit.

The fast path reads SDK internals, every one of them through ``export/sdk_internals/`` (listed there), so it is
feature-detected once per instrument (and its views looked up again whenever the reader storages change), used only
on a checked SDK version, and only where every view of the instrument aggregates into explicit buckets; anything
else (another aggregation, a no-op or foreign meter, a disabled meter, an internal that moved, SDK 1.30 and 1.39
without ``_hash_attributes``) takes the plain path, one ``record()`` per value, with a debug log naming why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from time import time_ns
from typing import Any
from weakref import WeakKeyDictionary

from otel_aicost.export import sdk_internals
from otel_aicost.export.sdk_internals import (
    CONTEXT_ONLY_FILTERS,
    UNREAD,
    aggregate,
    aggregate_in_view,
    aggregate_offering,
    aggregate_value,
    context_only_sampled,
    current_context,
    explicit_bucket_matches,
    histogram_consumer,
    meter_enabled,
    offer_exemplars,
    reader_storages,
    view_attribute_keys,
)

_hash_attributes = sdk_internals.hash_attributes  # None: the plain path everywhere (tests set it so)
_PLAIN = (str, int, float, bool)  # values the SDK's cleaning leaves as they are
_INF = math.inf
_UNPLANNED = object()
_MAX_SETS = 10_000


class AttributeSet:
    """An attribute set prepared once for many records: a private copy (the caller may change its dict), the SDK's
    hash of it (None: values the SDK would clean, so records take the plain path), per view of an instrument the
    view's own attributes and hash, and per recorder the cumulative aggregations it feeds when every view of the
    instrument is cumulative (the SDK keeps those for the life of the reader; delta aggregations are replaced at each
    collection, so those are looked up on every record, under the view's lock, as the SDK does)."""

    __slots__ = ("attributes", "key", "views", "aggregations")

    def __init__(self, attributes: Mapping[str, Any]) -> None:
        self.attributes = dict(attributes)
        plain = _hash_attributes is not None and all(  # (an empty key: the SDK's cleaning drops it)
            type(k) is str and k and type(v) in _PLAIN for k, v in self.attributes.items()
        )
        self.key = _hash_attributes(self.attributes) if plain else None
        self.views: dict[Any, tuple[dict[str, Any], Any]] = {}  # view match -> (own attributes, own key)
        self.aggregations: dict[Recorder, tuple[Any, list[Any]]] = {}  # recorder -> (reader storages, aggregations)

    def view(self, match: Any) -> tuple[dict[str, Any], Any]:
        """The attributes (and their hash) that ``match``'s view keeps of this set."""
        view = self.views.get(match)
        if view is None:
            keys = view_attribute_keys(match)
            if keys is None:
                view = (self.attributes, self.key)
            else:
                own = {k: v for k, v in self.attributes.items() if k in keys}
                view = (own, _hash_attributes(own))
            self.views[match] = view
        return view


class Moment:
    """When and in which context a call's records are made: read once for all of them, as is the exemplar filter's
    answer when it decides from the context alone. ``meter_enabled``: whether the meter of every histogram recorded
    at this moment records (the instruments of one meter are on or off together), None to ask each histogram."""

    __slots__ = ("context", "now", "meter_enabled", "_filter", "_sampled")

    def __init__(self, meter_enabled: bool | None = None) -> None:
        self.context = current_context()  # get_current() in C (sdk_internals.context)
        self.now = time_ns()
        self.meter_enabled = meter_enabled
        self._filter: Any = None
        self._sampled = False

    def samples(self, exemplar_filter: Any, value: float, attributes: dict[str, Any]) -> bool:
        if type(exemplar_filter) in CONTEXT_ONLY_FILTERS:
            if self._filter is not exemplar_filter:
                self._sampled = context_only_sampled(exemplar_filter, value, self.now, attributes, self.context)
                self._filter = exemplar_filter
            return self._sampled
        return exemplar_filter.should_sample(value, self.now, attributes, self.context)


class Recorder:
    """Records into one SDK histogram: the fast path when every internal it reads is there (decided at the first
    record), else one ``record()`` per value."""

    __slots__ = ("histogram", "_consumer", "_filter", "_storages", "_matches", "_sets")

    def __init__(self, histogram: Any) -> None:
        self.histogram = histogram
        self._consumer: Any = _UNPLANNED
        self._filter: Any = None  # the consumer's exemplar filter (its provider's, fixed at its creation)
        self._storages: Any = None
        self._matches: list[Any] | None = None
        self._sets: dict[tuple[tuple[tuple[str, Any], ...], tuple[type, ...]], AttributeSet] = {}

    @property
    def fast(self) -> bool:
        """Whether the fast path applies to this histogram (plans it if it has not recorded yet)."""
        return self._plan() is not None

    def _plan(self) -> Any:
        if self._consumer is _UNPLANNED:
            self._consumer = _plan(self.histogram)
            self._filter = sdk_internals.exemplar_filter(self._consumer) if self._consumer is not None else None
        return self._consumer

    def attribute_set(self, attributes: Mapping[str, Any]) -> AttributeSet:
        """The prepared set of ``attributes`` (kept for the next records with equal ones: at most ``_MAX_SETS``)."""
        items = tuple(attributes.items())
        try:
            key = items, tuple(map(type, attributes.values()))  # 1, 1.0 and True are equal but distinct values
            attribute_set = self._sets.get(key)
        except TypeError:  # unhashable values (lists): the SDK cleans those
            return AttributeSet(attributes)
        if attribute_set is None:
            attribute_set = AttributeSet(attributes)
            if len(self._sets) < _MAX_SETS:
                self._sets[key] = attribute_set
        return attribute_set

    def record(self, value: float, attribute_set: AttributeSet, moment: Moment) -> None:
        """One value: straight into the cumulative aggregations this set feeds, once they are known."""
        known = attribute_set.aggregations.get(self)
        if (
            known is None
            or not 0 <= value < _INF  # negative, NaN or infinite: the SDK drops it with a warning
            or not (moment.meter_enabled if moment.meter_enabled is not None else meter_enabled(self.histogram))
            or not aggregate_value(self._consumer, known[0], known[1], value)  # False: the reader storages changed
        ):
            self.record_many((value,), attribute_set, moment)
            return
        exemplar_filter = self._filter
        if moment._filter is exemplar_filter:  # asked already at this moment (Moment.samples, inlined)
            sampled = moment._sampled
        else:
            sampled = moment.samples(exemplar_filter, value, attribute_set.attributes)
        if sampled:
            for aggregation in known[1]:
                offer_exemplars(aggregation, (value,), moment.now, moment.context, attribute_set.attributes)

    def record_many(self, values: Sequence[float], attribute_set: AttributeSet, moment: Moment) -> None:
        if not values:
            return
        if not (min(values) >= 0 and math.isfinite(sum(values))):  # a NaN or an infinity makes the sum not finite
            self._plain(values, attribute_set)
            return
        known = attribute_set.aggregations.get(self)
        if (
            known is not None  # the cumulative aggregations this set feeds, as record() uses them
            and (moment.meter_enabled if moment.meter_enabled is not None else meter_enabled(self.histogram))
            and reader_storages(self._consumer) is known[0]  # else the reader storages changed: look them up
        ):
            self._into(values, attribute_set, moment, known[1])
            return
        consumer = self._plan()
        if (
            consumer is None
            or attribute_set.key is None
            or moment.meter_enabled is False
            or not meter_enabled(self.histogram)
        ):
            self._plain(values, attribute_set)
            return
        storages = reader_storages(consumer)  # replaced, never mutated, when a reader is added or removed
        matches = self.matches(storages)
        if matches is None:  # another aggregation on some view: the SDK's own path
            self._plain(values, attribute_set)
            return
        attributes = attribute_set.attributes
        exemplar_filter = self._filter
        if type(exemplar_filter) in CONTEXT_ONLY_FILTERS:
            sampled = values if moment.samples(exemplar_filter, values[0], attributes) else ()
        else:
            sampled = [value for value in values if moment.samples(exemplar_filter, value, attributes)]
        cumulative = []
        for match in matches:
            own, key = attribute_set.view(match)
            aggregation = aggregate_in_view(match, key, own, values, sampled, moment.now, moment.context, attributes)
            if aggregation is not None:
                cumulative.append(aggregation)  # the SDK keeps it (or the overflow point) from now on
        if len(cumulative) == len(matches):
            attribute_set.aggregations[self] = (storages, cumulative)

    def matches(self, storages: Any) -> list[Any] | None:
        """This histogram's view matches under the reader ``storages`` (looked up again when they change), None if
        some view aggregates other than into explicit buckets."""
        if storages is not self._storages:
            self._matches = explicit_bucket_matches(storages, self.histogram)
            self._storages = storages
        return self._matches

    def _into(self, values: Sequence[float], attribute_set: AttributeSet, moment: Moment, aggregations: list[Any]
              ) -> None:  # fmt: skip
        """``values`` into known cumulative ``aggregations``, each offered to the exemplar filter as the SDK does."""
        attributes, exemplar_filter = attribute_set.attributes, self._filter
        if type(exemplar_filter) in CONTEXT_ONLY_FILTERS:
            if moment.samples(exemplar_filter, values[0], attributes):  # all of them offered: each bucket's last
                for aggregation in aggregations:  # value found from the add's count (sdk_internals)
                    aggregate_offering(aggregation, values, moment.now, moment.context, attributes, UNREAD)
                return
            sampled: Sequence[float] = ()
        else:
            sampled = [value for value in values if moment.samples(exemplar_filter, value, attributes)]
        for aggregation in aggregations:
            aggregate(aggregation, values)
        if sampled:
            for aggregation in aggregations:
                offer_exemplars(aggregation, sampled, moment.now, moment.context, attributes)

    def _plain(self, values: Sequence[float], attribute_set: AttributeSet) -> None:
        record, attributes = self.histogram.record, attribute_set.attributes
        for value in values:
            record(value, attributes)


# a Recorder for each histogram of ``record`` / ``record_many`` callers that keep none of their own
_recorders: WeakKeyDictionary[Any, Recorder] = WeakKeyDictionary()


def record(histogram: Any, value: float, attributes: Mapping[str, Any]) -> None:
    """``histogram.record(value, attributes)``, exported the same, with the attribute set's hash computed once."""
    recorder = _recorder(histogram)
    recorder.record(value, recorder.attribute_set(attributes), Moment())


def record_many(histogram: Any, values: Sequence[float], attributes: Mapping[str, Any]) -> None:
    """Record ``values`` into ``histogram`` under ``attributes``, exactly as one ``record()`` per value would."""
    if values:
        recorder = _recorder(histogram)
        recorder.record_many(values, recorder.attribute_set(attributes), Moment())


def _recorder(histogram: Any) -> Recorder:
    try:
        recorder = _recorders.get(histogram)
        if recorder is None:
            recorder = _recorders[histogram] = Recorder(histogram)
        return recorder
    except TypeError:  # not weak-referenceable: not an SDK instrument
        return Recorder(histogram)


def _plan(histogram: Any) -> Any:
    """The histogram's measurement consumer if the fast path applies to it (this module's switch on), else None."""
    return histogram_consumer(histogram) if _hash_attributes is not None else None
