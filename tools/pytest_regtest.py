"""A pytest plugin: regtest files (``*.regtest``, see ``tools.regtest``) are
test files, and each ``* name`` test in one is a test item.

Registered through the ``pytest11`` entry point (``zvm_regtest``), so
``pytest path/`` collects the regtest files under path. Loading it imports
nothing but pytest: the regtest runner (and the machine) are imported only
when a regtest file is collected, so a project without regtest files in an
environment where zvm is installed never notices the plugin. A test whose story
file is absent is skipped, naming the path; a failed check is reported with
the command, the check and the story's actual output. Tests whose names
start with ``-`` or ``_`` are only run when another test includes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from _pytest._code.code import TerminalRepr, TracebackStyle

    from zvm.tools import regtest


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RegtestFile | None:
    if file_path.suffix == ".regtest":
        return RegtestFile.from_parent(parent, path=file_path)
    return None


class RegtestFile(pytest.File):
    def collect(self) -> Iterator[RegtestItem]:
        from zvm.tools import regtest
        try:
            parsed = regtest.parse_file(str(self.path))
        except regtest.RegtestError as e:
            raise RegtestSyntaxError(str(e)) from None
        self.stories: dict = {}          # each story loaded once per file
        for test in parsed.selected():
            yield RegtestItem.from_parent(self, name=test.name, parsed=parsed, test=test)


class RegtestSyntaxError(Exception):
    """A regtest file that cannot be parsed (a collection error)."""


class RegtestFailed(Exception):
    def __init__(self, result: regtest.TestResult) -> None:
        super().__init__(result.name)
        self.result = result


class RegtestItem(pytest.Item):
    def __init__(self, *, parsed: regtest.RegtestFile, test: regtest.Test,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parsed = parsed
        self.test = test

    def runtest(self) -> None:
        from zvm.tools import regtest
        parent = self.parent
        assert isinstance(parent, RegtestFile)      # the file it was collected from
        result = regtest.run_test(self.parsed, self.test, stories=parent.stories)
        if result.skipped:
            try:        # reported at the test's line in the regtest file
                raise pytest.skip.Exception(result.skipped, _use_item_location=True)
            except TypeError:
                pytest.skip(result.skipped)
        if result.failures:
            raise RegtestFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, RegtestFailed):
            from zvm.tools import regtest
            result = excinfo.value.result
            parts = [f"regtest {self.path.name} * {result.name}: "
                     f"{len(result.failures)} failed check(s)"]
            parts.append(regtest.format_failures(result.failures, "  "))
            return "\n".join(parts)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.test.lineno - 1, f"regtest: {self.test.name}"
