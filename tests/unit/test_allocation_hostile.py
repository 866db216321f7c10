"""``allocate`` used the ways applications use it that its first tests did not: one object shared by threads and
tasks (a module-level ``TEAM = allocate(team="x")``), and as the decorator of a generator or async generator (a
streaming endpoint). Tags must be in effect inside, gone outside, and nothing may raise into the application."""

from __future__ import annotations

import asyncio
import threading

import pytest

from otel_aicost import allocate
from otel_aicost.instrumentation import allocation
from otel_aicost.instrumentation.allocation import current_tags

TEAM = allocate(team="x")


def test_one_object_shared_by_overlapping_threads():
    """Thread 0 enters, thread 1 enters, thread 0 leaves first, then thread 1."""
    errors, seen = [], []
    entered = [threading.Event(), threading.Event()]
    left_first = threading.Event()

    def work(order):
        try:
            if order == 1:
                entered[0].wait(5)
            with TEAM:
                entered[order].set()
                if order == 0:
                    entered[1].wait(5)
                else:
                    left_first.wait(5)
                seen.append(dict(current_tags()))
            seen.append(dict(current_tags()))
        except Exception as error:  # noqa: BLE001 - anything raised into the application is the failure
            errors.append(repr(error))
        finally:
            if order == 0:
                left_first.set()

    threads = [threading.Thread(target=work, args=(order,)) for order in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert seen.count({"team": "x"}) == 2 and seen.count({}) == 2


def test_one_object_shared_by_interleaved_tasks():
    async def work(first_out):
        with TEAM:
            await asyncio.sleep(0 if first_out else 0.01)
            inside = dict(current_tags())
        return inside, dict(current_tags())

    async def main():
        return await asyncio.gather(work(True), work(False))

    assert asyncio.run(main()) == [({"team": "x"}, {}), ({"team": "x"}, {})]


def test_one_object_nested_in_itself():
    with TEAM:
        with TEAM:
            assert current_tags() == {"team": "x"}
        assert current_tags() == {"team": "x"}
    assert current_tags() == {}


def test_decorated_generator_tags_its_body_only():
    @allocate(team="stream")
    def pieces(count):
        for _ in range(count):
            received = yield dict(current_tags())
            if received is not None:
                yield received
        return "done"

    gen = pieces(2)
    assert current_tags() == {}
    assert next(gen) == {"team": "stream"}
    assert current_tags() == {}, "the tags must not leak to the caller between steps"
    assert gen.send("x") == "x"
    assert next(gen) == {"team": "stream"}
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"
    assert list(pieces(3)) == [{"team": "stream"}] * 3


def test_decorated_generator_sees_thrown_exceptions_and_close():
    events = []

    @allocate(team="stream")
    def guarded():
        try:
            yield 1
        except ValueError:
            events.append(("thrown", dict(current_tags())))
            yield 2
        finally:
            events.append(("finally", dict(current_tags())))

    gen = guarded()
    assert next(gen) == 1
    assert gen.throw(ValueError("x")) == 2
    gen.close()
    assert events == [("thrown", {"team": "stream"}), ("finally", {"team": "stream"})]
    assert current_tags() == {}


def test_decorated_async_generator_tags_its_body_only():
    @allocate(team="astream")
    async def pieces(count):
        for _ in range(count):
            await asyncio.sleep(0)
            yield dict(current_tags())

    async def main():
        seen = []
        async for item in pieces(2):
            seen.append((item, dict(current_tags())))
        return seen

    assert asyncio.run(main()) == [({"team": "astream"}, {}), ({"team": "astream"}, {})]


def test_decorated_functions_keep_their_kind():
    import inspect

    @allocate(team="t")
    def gen():
        yield 1

    @allocate(team="t")
    async def agen():
        yield 1

    @allocate(team="t")
    async def coro():
        return 1

    assert inspect.isgeneratorfunction(gen) and inspect.isasyncgenfunction(agen)
    assert inspect.iscoroutinefunction(coro)
    assert allocation.current_tags() == {}
