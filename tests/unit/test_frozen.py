"""``fast_init`` builds the same frozen objects as the ``__init__`` dataclasses generates (oracle: that generated
``__init__``, kept on a twin class), for every class it is applied to."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from otel_aicost.cost.call_cost import Cost, PricingRequest
from otel_aicost.frozen import fast_init
from otel_aicost.instrumentation.facts import Chunk, Facts
from otel_aicost.instrumentation.usage import Usage

CLASSES = [Cost, PricingRequest, Chunk, Facts, Usage]


def twin(cls: type) -> type:
    """The same dataclass with the ``__init__`` dataclasses generates."""
    fields = [(f.name, f.type, f) for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True)


def values(cls: type) -> dict[str, object]:
    return {f.name: f"value of {f.name}" for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_same_signature_same_object(cls: type) -> None:
    original = twin(cls)
    assert inspect.signature(cls) == inspect.signature(original)
    given = values(cls)
    for made, expected in ((cls(**given), original(**given)), (cls(*given.values()), original(*given.values()))):
        assert dataclasses.asdict(made) == dataclasses.asdict(expected)
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    if not required:
        assert dataclasses.asdict(cls()) == dataclasses.asdict(original())
    with pytest.raises(TypeError):
        cls(**given, unknown=1)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_still_frozen_equal_and_hashed(cls: type) -> None:
    given = {name: (value if not name.endswith(("kwargs", "params", "tags")) else ()) for name, value in values(cls).items()}
    one, other = cls(**given), cls(**given)
    assert one == other and hash(one) == hash(other)
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.__setattr__(dataclasses.fields(cls)[0].name, "changed")
    changed = dataclasses.replace(one, **{dataclasses.fields(cls)[0].name: "changed"})
    assert getattr(changed, dataclasses.fields(cls)[0].name) == "changed" and changed != one


def test_what_it_cannot_build_the_same_way_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithFactory:
        items: list = dataclasses.field(default_factory=list)

    @dataclasses.dataclass
    class NotFrozen:
        x: int = 0

    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:  # a slot is stored one at a time: the whole point is lost
        x: int = 0

    for cls in (WithFactory, NotFrozen, Slotted):
        with pytest.raises(TypeError):
            fast_init(cls)
