#!/usr/bin/env python3
"""Rebuild the Z-machine test stories in tests/stories/ from their Inform 6 sources.

Usage:
    python3 tools/build_stories.py [--inform PATH] [NAME.inf ...]

Every tests/stories/*.inf (or only the sources named on the command line) is
compiled with the Inform 6 compiler (default /usr/bin/inform6).  The Z-machine
version(s) to build are read from a comment near the top of each source:

    ! zvm-versions: 3 5 8

Each listed version V produces tests/stories/<stem>.z<V>, e.g. opcodes.inf
with "3 5 8" gives opcodes.z3, opcodes.z5 and opcodes.z8.  A source without
the comment is an error.

The script prints one line per story built and exits with status 1 if any
compile fails (or a source has no valid version comment), 0 otherwise.
Only the Python standard library is used.

The pass counts that tests/test_story_suites.py expects are part of the test
contract: after changing an opcode story, run the new story under a reference
interpreter (e.g. `dfrotz -m -p -q -w 80 -h 24 -Z 0 STORY < /dev/null`) and
update the expected count there.
"""

import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
STORY_DIR = ROOT / "tests" / "stories"
DEFAULT_INFORM = "/usr/bin/inform6"
VALID_VERSIONS = {"3", "4", "5", "6", "7", "8"}
VERSIONS_RE = re.compile(r"^!\s*zvm-versions:\s*(.*?)\s*$")
HEADER_LINES = 20  # the version comment must appear within the first lines


def read_versions(source: pathlib.Path) -> list:
    """Return the versions listed in the source's `! zvm-versions:` comment."""
    with source.open(encoding="latin-1") as fh:
        for lineno, line in enumerate(fh):
            if lineno >= HEADER_LINES:
                break
            m = VERSIONS_RE.match(line)
            if m:
                versions = m.group(1).split()
                bad = [v for v in versions if v not in VALID_VERSIONS]
                if not versions or bad:
                    raise ValueError(f"invalid zvm-versions {m.group(1)!r}")
                return versions
    raise ValueError("no '! zvm-versions: ...' comment in the first lines")


def compile_story(inform: str, source: pathlib.Path, version: str) -> bool:
    """Compile one source for one version; report and return success."""
    target = source.with_suffix(f".z{version}")
    cmd = [inform, f"-v{version}", str(source), str(target)]
    proc = subprocess.run(cmd, cwd=source.parent, capture_output=True, text=True,
                          errors="replace")
    output = (proc.stdout + proc.stderr).strip()
    # inform6 exits 0 on some errors; "(no output)" or a missing file is fatal.
    failed = (proc.returncode != 0 or "(no output)" in output
              or re.search(r"\b[1-9]\d* errors?\b", output) is not None
              or not target.exists())
    rel = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    if failed:
        print(f"FAILED  {rel}  ({' '.join(cmd)})")
        for line in output.splitlines():
            print(f"    {line}")
        return False
    warnings = len(re.findall(r"Warning:", output))
    note = f", {warnings} warning(s)" if warnings else ""
    print(f"built   {rel}  ({target.stat().st_size} bytes{note})")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Rebuild tests/stories/*.inf with Inform 6.")
    parser.add_argument("--inform", default=DEFAULT_INFORM,
                        help=f"Inform 6 compiler (default {DEFAULT_INFORM})")
    parser.add_argument("sources", nargs="*",
                        help="sources to build (default: tests/stories/*.inf)")
    args = parser.parse_args(argv)

    if args.sources:
        sources = [pathlib.Path(s) if pathlib.Path(s).exists() else STORY_DIR / s
                   for s in args.sources]
    else:
        sources = sorted(STORY_DIR.glob("*.inf"))
    if not sources:
        print(f"no .inf sources found in {STORY_DIR}")
        return 1

    ok = True
    built = 0
    for source in sources:
        source = source.resolve()
        if not source.exists():
            print(f"FAILED  {source}: no such file")
            ok = False
            continue
        try:
            versions = read_versions(source)
        except ValueError as exc:
            print(f"FAILED  {source.name}: {exc}")
            ok = False
            continue
        for version in versions:
            if compile_story(args.inform, source, version):
                built += 1
            else:
                ok = False
    print(f"{built} stor{'y' if built == 1 else 'ies'} built"
          + ("" if ok else "; there were FAILURES"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
