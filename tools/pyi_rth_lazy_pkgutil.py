"""A runtime hook of the one-file binary (tools/build_dist.py puts it in):
PyInstaller's own hook for ``pkgutil``, run when pkgutil is first
imported instead of at every start.

PyInstaller's hook teaches ``pkgutil.iter_modules`` the modules inside the
binary (blessed lists jinxed's terminal definitions with it). Registering
that costs 15 ms or more at start-up (``functools.singledispatch``'s
``register`` imports typing, and with it re and enum), which the headless
interpreter would pay for nothing: it imports neither pkgutil nor typing.
This hook puts a finder first on ``sys.meta_path`` that, the first time
pkgutil is imported, lets the other finders find it and runs PyInstaller's
hook right after pkgutil's own code; then it steps aside.

``HOOK_SOURCE`` is filled in by build_dist.py with the source of
PyInstaller's pyi_rth_pkgutil.py, read when the binary is built. This
module imports nothing but sys: it runs before anything else, at every
start of the binary.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

HOOK_SOURCE = ""


def _run_hook() -> None:
    exec(compile(HOOK_SOURCE, "pyi_rth_pkgutil.py", "exec"), {"__name__": "__main__"})


class _HookAfterImport:
    """pkgutil's loader, which runs the hook once the module's code ran."""

    def __init__(self, loader: object) -> None:
        self.loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)  # type: ignore[attr-defined]

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)  # type: ignore[attr-defined]
        _run_hook()

    def __getattr__(self, name: str) -> object:
        return getattr(self.loader, name)


class _PkgutilFinder:
    """Finds nothing itself: wraps the loader the other finders give
    pkgutil, then steps aside."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name != "pkgutil":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                spec.loader = _HookAfterImport(spec.loader)
                return spec
        return None


if getattr(sys, "frozen", False) and HOOK_SOURCE:
    if "pkgutil" in sys.modules:
        _run_hook()
    else:
        sys.meta_path.insert(0, _PkgutilFinder())
