"""Records and type-checking names without importing ``typing`` at run time.

``typing`` costs a start-up about 5 ms (it brings ``re`` along), and zvm's
start-up is budgeted (50 ms to the first prompt). Modules on the start-up
path therefore write::

    from zvm.records import TYPE_CHECKING, NamedTuple
    if TYPE_CHECKING:
        from typing import Any, Callable

``TYPE_CHECKING`` is False when running and true for type checkers (mypy
treats any name ``TYPE_CHECKING`` so). ``NamedTuple`` is ``typing.NamedTuple``
for type checkers; when running it is a small base class that turns the
class body's annotated fields and defaults into a ``collections.namedtuple``,
so that::

    class Style(NamedTuple):
        bits: int = 0
        fg: int = -1

makes the same record either way: a tuple with named fields, defaults,
``_replace``, ``_fields`` and ``_asdict``, its methods and docstring kept.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any
    from typing import NamedTuple as NamedTuple
else:
    class _RecordMeta(type):
        def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
            if not bases:                       # NamedTuple itself
                return super().__new__(mcls, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            if defaults and any(f not in namespace for f in fields[len(fields) - len(defaults):]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            record = namedtuple(name, fields, defaults=defaults,
                                module=namespace.get("__module__"))
            body = {k: v for k, v in namespace.items() if k not in fields}
            body.setdefault("__slots__", ())
            return type(name, (record,), body)

    class NamedTuple(metaclass=_RecordMeta):
        """Base of the records above (see the module's docstring)."""
