"""A stream event's text decoded by ``usage_events._decode`` (msgspec's JSON decoder) in place of the SDK's ``json()``:
where it decodes a text, it must give exactly what ``json.loads`` gives (the SDK's ``json()`` is ``json.loads``): the
same values of the same types, keys in the same order; where it refuses one, json decides (``usage_events.py``; that
path against the bare SDK: ``tests/integration/adversarial/test_other_streams.py``). ``json.loads`` is the oracle.

Compared by ``repr``: it tells apart what ``==`` does not (``1`` and ``1.0`` and ``True``, ``0.0`` and ``-0.0``, key
order). msgspec 0.18 fails here (ints of 20 digits wrapped round); pyproject.toml asks for 0.19 at least."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from otel_aicost.instrumentation import usage_events

decode = usage_events._decode
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def as_json_loads(text: str) -> None:
    """If ours decodes ``text``, json.loads decodes it to the same thing; if ours refuses it, nothing is asked."""
    try:
        ours = decode(text)
    except Exception:
        return  # refused: json decides (the SDK's own json() on the fallback path)
    assert repr(ours) == repr(json.loads(text)), text[:200]


def as_json_loads_decodes(text: str) -> None:
    """``text`` is JSON that json.loads decodes and ours must too, to the same thing."""
    assert repr(decode(text)) == repr(json.loads(text)), text[:200]


def test_the_decoder_is_msgspecs():
    """The tests below are of msgspec's decoder (a dependency on CPython): json.loads compared with itself would pass
    whatever it did."""
    assert type(decode).__name__ == "builtin_function_or_method"
    assert type(decode.__self__).__module__ == "msgspec.json"


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5), max_leaves=25
)
documents = st.dictionaries(st.text(), values, max_size=8)
layouts = st.fixed_dictionaries({
    "ensure_ascii": st.booleans(),
    "separators": st.sampled_from([None, (",", ":"), (", ", ": "), (" ,\t", " :\n")]),
    "indent": st.none() | st.integers(0, 2),
})  # fmt: skip


@FUZZ
@given(documents, layouts)
def test_documents_as_json_writes_them(document, layout):
    """Any JSON document, written compact or spaced, ASCII or not: the same values, types and key order."""
    as_json_loads_decodes(json.dumps(document, **layout))


# a JSON number as a server may write it: leading minus, up to 45 digits, a fraction, an exponent of up to 4 digits
NUMBER = r"\A-?(0|[1-9][0-9]{0,44})(\.[0-9]{1,45})?([eE][-+]?[0-9]{1,4})?\Z"


@FUZZ
@given(st.lists(st.from_regex(NUMBER), min_size=1, max_size=4))
@example(["18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809"])
@example(["19898510052083131996", "-19617837901463434097"])  # msgspec 0.18: 1383871182005292180...
@example(["0.30000000000000004441", "2.4703282292062327e-324", "2.4703282292062328e-324", "5e-324"])
@example(["1.7976931348623157e308", "1.7976931348623158e308", "1e400", "-0", "-0.0", "-0e0", "1E5", "1e-400"])
def test_numbers_as_json_reads_them(numbers):
    """Numbers as written (not as Python writes them): ints of any size, floats rounded as json rounds them, -0; a
    number past a float's range (json: inf) may be refused."""
    as_json_loads('{"x": ' + numbers[0] + "}")
    as_json_loads('{"x": [' + ", ".join(numbers) + "]}")


@pytest.mark.parametrize("digits", [4299, 4300, 4301, 5000])
def test_ints_at_pythons_digit_limit(digits):
    """json.loads refuses an int of more than 4,300 digits (Python's int limit); ours may decode none that it
    refuses."""
    as_json_loads('{"x": 1' + "0" * (digits - 1) + "}")


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "id", "usage", ""]), values), max_size=8))
def test_duplicate_keys_as_json_keeps_them(pairs):
    """A key written twice: json keeps its first place and its last value."""
    as_json_loads_decodes("{" + ", ".join(json.dumps(key) + ": " + json.dumps(value) for key, value in pairs) + "}")


escapes = st.one_of(
    st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\'),
    st.sampled_from(['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]),
    st.integers(0, 0xFFFF).map(lambda code: f"\\u{code:04x}"),  # lone and paired surrogates among them
    st.integers(0xD800, 0xDBFF).map(lambda high: f"\\u{high:04X}\\u{0xDC00 + high % 0x400:04X}"),
)


@FUZZ
@given(st.lists(escapes, max_size=12))
@example(["\\ud83d", "\\ude00"])
@example(["\\ude00"])
@example(["\\ud800", "\\ud800"])
def test_strings_as_json_reads_their_escapes(pieces):
    """Every escape, the surrogates too (a pair is one character; json keeps a lone one, which ours may refuse)."""
    text = '"' + "".join(pieces) + '"'
    as_json_loads('{"x": ' + text + ", " + text + ": 1}")


@pytest.mark.parametrize("depth", [10, 500, 900, 990, 1000, 2000, 100_000])
def test_nesting_as_deep_as_json_takes_it(depth):
    """Deep nesting: ours decodes nothing json cannot (json raises RecursionError near the recursion limit)."""
    as_json_loads('{"x": ' + "[" * depth + "]" * depth + "}")
    as_json_loads('{"x": ' + '{"a": ' * depth + "1" + "}" * depth + "}")


BREAKERS = '"\\{}[],:0-+.eE uUnN\t\n\x00\x1f\x7f\u2028\ufeff'


@FUZZ
@given(documents, st.data())
def test_broken_texts_decoded_only_as_json_decodes_them(document, data):
    """A valid event's text with a character replaced, inserted or removed: whatever ours decodes of it, json decodes
    alike (never a document where the SDK's json() would raise)."""
    text = json.dumps(document, ensure_ascii=data.draw(st.booleans()))
    at = data.draw(st.integers(0, len(text)))
    char = data.draw(st.sampled_from(BREAKERS))
    edit = data.draw(st.sampled_from(["replace", "insert", "remove"]))
    if edit == "insert":
        text = text[:at] + char + text[at:]
    elif edit == "replace":
        text = text[:at] + char + text[at + 1 :]
    else:
        text = text[:at] + text[at + 1 :]
    as_json_loads(text)


@pytest.mark.parametrize("after", ["", " ", "\t\n\r ", "\x0b", "\x0c", "\u00a0", "\u3000", "\x00", " x", "{}"])
def test_text_after_the_object_as_json_takes_it(after):
    """JSON's own whitespace after the object is taken by both; anything else by neither."""
    as_json_loads('{"id": "chatcmpl-X", "choices": []}' + after)


def test_without_msgspec_the_events_are_decoded_by_json():
    """Where msgspec is not installed (not CPython, or installed without dependencies) json decodes the events
    (``_json_document``: its C scanner, json.loads when text follows the object), as it does whenever msgspec refuses a
    text (that path against the bare SDK: the adversarial tests' odd texts)."""
    code = (
        "import sys, json; sys.modules['msgspec'] = None\n"
        "from otel_aicost.instrumentation import usage_events\n"
        "decode = usage_events._decode\n"
        "assert decode is usage_events._json_document, decode\n"
        "for text in ('{\"a\": [1, 2.5, -0.0, 18446744073709551616]}', '{\"a\": \"\\\\ud800\"}  '):\n"
        "    assert repr(decode(text)) == repr(json.loads(text)), text\n"
        "for text in ('{\"a\": 1} x', '{\"a\"', '{\"a\": }'):\n"
        "    try:\n"
        "        decode(text)\n"
        "    except (ValueError, StopIteration):\n"
        "        pass\n"
        "    else:\n"
        "        raise AssertionError(text)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
