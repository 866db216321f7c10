"""``fast_init``: a frozen dataclass built at about a third of the cost of the generated ``__init__``.

A frozen dataclass's generated ``__init__`` stores every field with ``object.__setattr__(self, name, value)`` (its
own ``__setattr__`` refuses), one call per field: building one with a dozen fields costs about as much as the rest
of reading a response. The value objects made on every instrumented call (``Facts``, ``Usage``,
``Cost``, ...) get an ``__init__`` with the same signature that gives the instance its whole ``__dict__`` at once (one
dict display, one store): the same object, still frozen, equal and hashed as before. They are plain (not
``slots``) dataclasses for that: a slot can only be stored one at a time. Generated with ``exec`` as
``dataclasses`` generates its own (compiled under this file's name, so profiles and ``bench/own_share.py`` charge it
to us); only for what it can do exactly the same way (no ``__post_init__``, default factories, init-only or
keyword-only fields).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def fast_init(cls: type[T]) -> type[T]:
    """Replace the ``__init__`` of ``cls``, a ``@dataclass(frozen=True)`` without slots, by an equal, faster one."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" in vars(cls) or hasattr(cls, "__post_init__"):
        raise TypeError(f"fast_init needs a frozen dataclass without slots or __post_init__, not {cls.__qualname__}")
    names: dict[str, Any] = {"_store_dict": object.__setattr__}
    arguments, items = [], []
    for field in dataclasses.fields(cls):
        if not field.init or field.kw_only or field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"fast_init cannot build {cls.__qualname__}.{field.name} the way dataclasses does")
        if field.default is dataclasses.MISSING:
            arguments.append(field.name)
        else:
            names[f"_default_{field.name}"] = field.default
            arguments.append(f"{field.name}=_default_{field.name}")
        items.append(f"{field.name!r}: {field.name}")
    source = f"def __init__(self, {', '.join(arguments)}):\n    _store_dict(self, '__dict__', {{{', '.join(items)}}})\n"
    exec(compile(source, __file__, "exec"), names)  # noqa: S102 - generated from the field names alone, as dataclasses does
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)  # the signature dataclasses gave it, for inspect
    cls.__init__ = init  # type: ignore[misc]
    return cls
