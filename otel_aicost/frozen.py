"""``fast_init``: a frozen slots dataclass built at the cost of a plain one's half.

A frozen dataclass's generated ``__init__`` stores every field with ``object.__setattr__(self, name, value)`` (its
own ``__setattr__`` refuses), which looks the name up again on each store: building one with a dozen fields costs
about as much as the rest of reading a response. The value objects made on every instrumented call (``Facts``,
``Usage``, ``Request``, ``Cost``, ...) get an ``__init__`` with the same signature that stores each field through
its slot's own descriptor instead: the same object, still frozen, equal and hashed as before, in half the time.
Generated with ``exec`` as ``dataclasses`` generates its own; only for what it can do exactly the same way (no
``__post_init__``, default factories, init-only or keyword-only fields).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def fast_init(cls: type[T]) -> type[T]:
    """Replace the ``__init__`` of ``cls``, a ``@dataclass(frozen=True, slots=True)``, by an equal, faster one."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in vars(cls) or hasattr(cls, "__post_init__"):
        raise TypeError(f"fast_init needs a frozen slots dataclass without __post_init__, not {cls.__qualname__}")
    names: dict[str, Any] = {}
    arguments, stores = [], []
    for field in dataclasses.fields(cls):
        if not field.init or field.kw_only or field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"fast_init cannot build {cls.__qualname__}.{field.name} the way dataclasses does")
        if field.default is dataclasses.MISSING:
            arguments.append(field.name)
        else:
            names[f"_default_{field.name}"] = field.default
            arguments.append(f"{field.name}=_default_{field.name}")
        names[f"_store_{field.name}"] = vars(cls)[field.name].__set__  # the slot's member descriptor
        stores.append(f"    _store_{field.name}(self, {field.name})\n")
    body = "".join(stores) or "    pass\n"
    source = f"def __init__(self, {', '.join(arguments)}):\n{body}"
    exec(source, names)  # noqa: S102 - generated from the field names alone, as dataclasses does
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)  # the signature dataclasses gave it, for inspect
    cls.__init__ = init  # type: ignore[misc]
    return cls
