"""A decoded GenAI span to its ``CostRecord``: ``span_record(span, service, resource_region)``.

Two readings that give the same record. ``checked_record`` reads every value through ``otlp_values`` and the bounds
of ``plausible``, in a fixed order, and raises ``Implausible`` for the first value out of bounds: it is the
definition. ``span_record`` is what the reader calls for every span of a big file: it reads the usual span (each
value of the type the instrumentation writes, every bound met) with a few comparisons per value and builds the
record by position, and hands any other span to ``checked_record``, which then gives the record or the exception
it always gave. So the fast reading never decides anything on its own: a value it does not expect, in any field,
makes the checked reading decide (``tests/unit/test_span_record.py`` holds both to the same records on hostile
values).

Why: mapping a span was ~12 µs of the ~16 µs a span cost to read (two calls per value, a keyword call of 35
arguments, three passes over the attributes); reading a 1M-span file spent most of its time here.
"""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter

from otel_aicost import semconv
from otel_aicost.finops import plausible
from otel_aicost.finops.cost_record import CostRecord
from otel_aicost.finops.otlp_values import KeyValue, Value, components_within, cost_of, text_of, tokens_of

_TAG_PREFIX = semconv.TAG_PREFIX
_TAG_PREFIX_LEN = len(_TAG_PREFIX)
_TOOLS_PREFIX = semconv.TOOL_CALLS_PREFIX
_TOOLS_PREFIX_LEN = len(_TOOLS_PREFIX)
_NOT_GENAI = object()  # a span without gen_ai.operation.name (with it but no value, it is a GenAI span)


def checked_record(span, service: str | None, resource_region: str | None) -> CostRecord | None:
    """The record of ``span`` (None for a span that is no GenAI call), every value checked; raises ``Implausible``."""
    attrs = {kv.key: kv.value for kv in span.attributes}
    get = attrs.get
    operation = get(semconv.OPERATION_NAME, _NOT_GENAI)
    if operation is _NOT_GENAI:
        return None
    start = plausible.timestamp(span.startTimeUnixNano, "startTimeUnixNano", required=True)
    end = plausible.timestamp(span.endTimeUnixNano, "endTimeUnixNano", required=False)
    tags = {key[_TAG_PREFIX_LEN:]: text_of(attrs[key]) for key in attrs if key[:_TAG_PREFIX_LEN] == _TAG_PREFIX}
    error_type = text_of(get(semconv.ERROR_TYPE))
    status_code = span.status.code if span.status is not None else None
    cost = cost_of(get(semconv.USAGE_COST), semconv.USAGE_COST)
    cost_input = cost_of(get(semconv.COST_INPUT), semconv.COST_INPUT)
    cost_cache_read = cost_of(get(semconv.COST_CACHE_READ), semconv.COST_CACHE_READ)
    cost_cache_write = cost_of(get(semconv.COST_CACHE_WRITE), semconv.COST_CACHE_WRITE)
    cost_output = cost_of(get(semconv.COST_OUTPUT), semconv.COST_OUTPUT)
    cost_units = cost_of(get(semconv.COST_UNITS), semconv.COST_UNITS)
    cost_tools = cost_of(get(semconv.COST_TOOLS), semconv.COST_TOOLS)
    if cost is not None:
        components_within(cost, (cost_input, cost_cache_read, cost_cache_write, cost_output, cost_units, cost_tools))
    return CostRecord(
        start_ns=start,
        duration_s=(end - start) / 1e9 if end > start else 0.0,
        operation=text_of(operation) or "",
        service=service,
        provider=text_of(get(semconv.PROVIDER_NAME)) or text_of(get(semconv.SYSTEM)),
        request_model=text_of(get(semconv.REQUEST_MODEL)),
        response_model=text_of(get(semconv.RESPONSE_MODEL)),
        deployment_name=text_of(get(semconv.DEPLOYMENT_NAME)),
        deployment_type=text_of(get(semconv.DEPLOYMENT_TYPE)),
        deployment_type_source=text_of(get(semconv.DEPLOYMENT_TYPE_SOURCE)),
        region=text_of(get(semconv.CLOUD_REGION)) or resource_region,
        server_address=text_of(get(semconv.SERVER_ADDRESS)),
        input_tokens=tokens_of(get(semconv.USAGE_INPUT_TOKENS), semconv.USAGE_INPUT_TOKENS),
        output_tokens=tokens_of(get(semconv.USAGE_OUTPUT_TOKENS), semconv.USAGE_OUTPUT_TOKENS),
        cache_read_tokens=tokens_of(get(semconv.USAGE_CACHE_READ_INPUT_TOKENS), semconv.USAGE_CACHE_READ_INPUT_TOKENS),
        cache_write_tokens=tokens_of(
            get(semconv.USAGE_CACHE_CREATION_INPUT_TOKENS), semconv.USAGE_CACHE_CREATION_INPUT_TOKENS
        ),
        reasoning_tokens=tokens_of(get(semconv.USAGE_REASONING_OUTPUT_TOKENS), semconv.USAGE_REASONING_OUTPUT_TOKENS),
        cost=cost,
        cost_input=cost_input,
        cost_cache_read=cost_cache_read,
        cost_cache_write=cost_cache_write,
        cost_output=cost_output,
        unit=text_of(get(semconv.UNITS_UNIT)),
        unit_quantity=cost_of(get(semconv.UNITS_QUANTITY), semconv.UNITS_QUANTITY),
        cost_units=cost_units,
        tool_calls=sum(tokens_of(attrs[key], key) for key in attrs if key[:_TOOLS_PREFIX_LEN] == _TOOLS_PREFIX),
        cost_tools=cost_tools,
        currency=text_of(get(semconv.CURRENCY)) or "USD",
        pricing_status=text_of(get(semconv.PRICING_STATUS)),
        usage_source=text_of(get(semconv.USAGE_SOURCE)),
        error_type=error_type,
        is_error=status_code == 2 or status_code == "STATUS_CODE_ERROR" or error_type is not None,
        tags=tags,
        trace_id=span.traceId,
        span_id=span.spanId,
    )


# --- the fast reading ---------------------------------------------------------------------------------------------

# The attributes it reads, in the order of a layout's indices: texts, then token counts, then costs.
_TEXTS = (
    semconv.OPERATION_NAME, semconv.PROVIDER_NAME, semconv.SYSTEM, semconv.REQUEST_MODEL, semconv.RESPONSE_MODEL,
    semconv.DEPLOYMENT_NAME, semconv.DEPLOYMENT_TYPE, semconv.DEPLOYMENT_TYPE_SOURCE, semconv.CLOUD_REGION,
    semconv.SERVER_ADDRESS, semconv.UNITS_UNIT, semconv.CURRENCY, semconv.PRICING_STATUS, semconv.USAGE_SOURCE,
    semconv.ERROR_TYPE,
)  # fmt: skip
_TOKENS = (
    semconv.USAGE_INPUT_TOKENS, semconv.USAGE_OUTPUT_TOKENS, semconv.USAGE_CACHE_READ_INPUT_TOKENS,
    semconv.USAGE_CACHE_CREATION_INPUT_TOKENS, semconv.USAGE_REASONING_OUTPUT_TOKENS,
)  # fmt: skip
_COSTS = (
    semconv.USAGE_COST, semconv.COST_INPUT, semconv.COST_CACHE_READ, semconv.COST_CACHE_WRITE, semconv.COST_OUTPUT,
    semconv.COST_UNITS, semconv.COST_TOOLS, semconv.UNITS_QUANTITY,
)  # fmt: skip
_COMPONENTS = (
    semconv.COST_INPUT, semconv.COST_CACHE_READ, semconv.COST_CACHE_WRITE, semconv.COST_OUTPUT, semconv.COST_UNITS,
    semconv.COST_TOOLS,
)  # fmt: skip
_ABSENT = KeyValue("", Value(intValue=0))  # what an absent attribute reads as: no text, 0 tokens, no cost
_MIN_NS, _MAX_NS, _MAX_TOKENS, _MAX_COST = plausible.MIN_NS, plausible.MAX_NS, plausible.MAX_TOKENS, plausible.MAX_COST
_ZERO = Decimal(0)
_SIGNED = Decimal.is_signed
_COUNTS: dict[int | str, int] = {0: 0}  # a token count as the span writes it (int64: a string) -> its value
_COUNT_OF = _COUNTS.get
_MAX_COUNTS = 1 << 16  # parsing "2942" costs three times a lookup; counts repeat
_LAYOUTS: dict[tuple, tuple] = {}  # a span's attribute keys, in order -> ``_layout`` of them
_MAX_LAYOUTS = 4096  # a file of ever-new keys is read correctly, just without remembering its layouts


def _layout(keys: tuple) -> tuple:
    """What the fast reading needs to know of a span's attribute keys (remembered per tuple of keys: an
    instrumentation writes a few layouts only): the index of each attribute it reads (``_TEXTS``, ``_TOKENS``,
    ``_COSTS``; the last of a repeated key, as a dict keeps it; -1, the ``_ABSENT`` appended, when absent), which
    of the texts and of the costs are there (positions in those tuples), the tags ((index, name) in the order of
    their first occurrence, as a dict keeps them) and whether any tool-call count is there."""
    last = {key: index for index, key in enumerate(keys)}
    indices = tuple(last.get(key, -1) for key in (*_TEXTS, *_TOKENS, *_COSTS))
    texts = _picker([n for n, key in enumerate(_TEXTS) if key in last])
    costs = _picker([n for n, key in enumerate(_COSTS) if key in last])
    components = _picker([n for n, key in enumerate(_COSTS) if key in last and key in _COMPONENTS])
    tags = tuple((index, key[_TAG_PREFIX_LEN:]) for key, index in last.items() if key[:_TAG_PREFIX_LEN] == _TAG_PREFIX)
    tools = any(key[:_TOOLS_PREFIX_LEN] == _TOOLS_PREFIX for key in last)
    found = (indices, texts, costs, components, tags, tools)
    if len(_LAYOUTS) < _MAX_LAYOUTS:
        _LAYOUTS[keys] = found
    return found


def _counts(*values) -> tuple | None:
    """Token counts the fast reading has not met yet: each a JSON int or a string of at most 40 digits within
    0..MAX_TOKENS (else None: the checked reading decides), remembered for the next spans."""
    counts = []
    for value in values:
        if type(value) is str and len(value) <= 40:
            try:
                number = int(value)
            except ValueError:
                return None
        elif type(value) is int:
            number = value
        else:
            return None
        if not 0 <= number <= _MAX_TOKENS:
            return None
        if len(_COUNTS) < _MAX_COUNTS:
            _COUNTS[value] = number
        counts.append(number)
    return tuple(counts)


def _picker(positions: list[int]):
    """A function that takes those positions of a tuple, as a tuple."""
    if not positions:
        return lambda values: ()
    if len(positions) == 1:
        position = positions[0]
        return lambda values: (values[position],)
    return itemgetter(*positions)


def span_record(span, service: str | None, resource_region: str | None) -> CostRecord | None:
    """``checked_record(span, service, resource_region)``, fast for the usual span (see the module's docstring)."""
    attributes = span.attributes
    keys = tuple([kv.key for kv in attributes])
    layout = _LAYOUTS.get(keys) or _layout(keys)
    if layout[0][0] < 0:
        return None  # no gen_ai.operation.name: not a GenAI span
    record = None
    if not layout[5]:  # tool-call counts: rare, the checked reading sums them
        try:
            record = _usual_record(span, [*attributes, _ABSENT], layout, service, resource_region)
        except Exception:  # noqa: BLE001 - anything unusual (a NaN cost compared...) is the checked reading's to judge
            record = None
    return checked_record(span, service, resource_region) if record is None else record


def _usual_record(span, a: list, layout: tuple, service, resource_region) -> CostRecord | None:
    """The record of a usual span (``a``: its attributes and ``_ABSENT``), or None when a value is not of the
    usual kind or out of bounds (the checked reading then decides). A None where a value must be raises TypeError
    (``"".join``, a comparison): the caller hands the span to the checked reading then too."""
    indices, present_texts, present_costs, components, tag_slots, _ = layout
    start = span.startTimeUnixNano
    if type(start) is not int:
        if type(start) is not str or len(start) > 40:
            return None
        start = int(start)
    if not _MIN_NS <= start < _MAX_NS:
        return None
    end = span.endTimeUnixNano
    if type(end) is not int:
        if type(end) is not str or len(end) > 40:
            return None
        end = int(end)
    if not (_MIN_NS <= end < _MAX_NS or end == 0):
        return None
    (o, p, s, rq, rs, dn, dt, ds, rg, sv, un, cu, st, us, er,
     t0, t1, t2, t3, t4, c0, c1, c2, c3, c4, c5, c6, c7) = indices  # fmt: skip
    texts = (
        a[o].value.stringValue, a[p].value.stringValue, a[s].value.stringValue, a[rq].value.stringValue,
        a[rs].value.stringValue, a[dn].value.stringValue, a[dt].value.stringValue, a[ds].value.stringValue,
        a[rg].value.stringValue, a[sv].value.stringValue, a[un].value.stringValue, a[cu].value.stringValue,
        a[st].value.stringValue, a[us].value.stringValue, a[er].value.stringValue,
    )  # fmt: skip
    if None in present_texts(texts):
        return None  # a value that is not a string (or no value): the checked reading makes text of it
    tags = {}
    for index, name in tag_slots:
        tags[name] = a[index].value.stringValue
    if None in tags.values():
        return None
    counts = (
        _COUNT_OF(a[t0].value.intValue), _COUNT_OF(a[t1].value.intValue), _COUNT_OF(a[t2].value.intValue),
        _COUNT_OF(a[t3].value.intValue), _COUNT_OF(a[t4].value.intValue),
    )  # fmt: skip
    if None in counts:
        counts = _counts(a[t0].value.intValue, a[t1].value.intValue, a[t2].value.intValue, a[t3].value.intValue,
                         a[t4].value.intValue)  # fmt: skip
        if counts is None:
            return None
    costs = (
        a[c0].value.doubleValue, a[c1].value.doubleValue, a[c2].value.doubleValue, a[c3].value.doubleValue,
        a[c4].value.doubleValue, a[c5].value.doubleValue, a[c6].value.doubleValue, a[c7].value.doubleValue,
    )  # fmt: skip
    present = present_costs(costs)  # None (no double) or a NaN raises in min/max: the checked reading decides
    if present and (min(present) < _ZERO or max(present) > _MAX_COST or any(map(_SIGNED, present))):
        return None  # out of bounds, or a -0.0 (which the checked reading makes 0)
    cost, cost_input, cost_cache_read, cost_cache_write, cost_output, cost_units, cost_tools, unit_quantity = costs
    if cost is not None and sum(components(costs)) > cost:
        return None  # maybe within rounding, maybe a damaged span: the checked reading tells
    (operation, provider, system, request_model, response_model, deployment_name, deployment_type,
     deployment_type_source, region, server, unit, currency, pricing_status, usage_source, error_type) = texts  # fmt: skip
    status = span.status
    status_code = status.code if status is not None else None
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens = counts
    return CostRecord(
        start,
        (end - start) / 1e9 if end > start else 0.0,
        operation,
        service,
        provider or system,
        request_model,
        response_model,
        deployment_name,
        deployment_type,
        deployment_type_source,
        region or resource_region,
        server,
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_write_tokens,
        reasoning_tokens,
        cost,
        cost_input,
        cost_cache_read,
        cost_cache_write,
        cost_output,
        unit,
        unit_quantity,
        cost_units,
        0,
        cost_tools,
        currency or "USD",
        pricing_status,
        usage_source,
        error_type,
        status_code == 2 or status_code == "STATUS_CODE_ERROR" or error_type is not None,
        tags,
        span.traceId,
        span.spanId,
    )
