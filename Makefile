# zvm: make test | make lint | make quick | make play [STORY=file] | make bench [BENCH_ARGS=...]
#      make fuzz [FUZZ_ARGS="--minutes 30 --seeds 1-3"] | make clean

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PLAY_STAMP := $(VENV)/.installed-play
STAMP  := $(VENV)/.installed
STORY  ?=
BENCH_ARGS ?=
FUZZ_ARGS ?= --minutes 10 --seeds 1
EDITABLE := --config-settings editable_mode=compat

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: all test lint quick play bench fuzz dist clean bytecode

all: test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes (editable install: code changes need no reinstall).
# The editable install is the plain kind, a .pth line naming this folder: the
# default kind installs an import hook that costs every start-up of Python.
# Playing needs zvm and its own dependencies; the test tools come with make test.
# (The distribution was called "zvm" before it became zvm-interpreter: the old
# one goes, or its entry points would be registered twice.)
$(PLAY_STAMP): pyproject.toml | $(BIN)/python
	-$(BIN)/pip uninstall -q -y zvm 2>/dev/null
	$(BIN)/pip install -q -e . $(EDITABLE)
	touch $@

$(STAMP): $(PLAY_STAMP)
	$(BIN)/pip install -q -e '.[test]' $(EDITABLE)
	touch $@

test: lint bytecode
	$(BIN)/python -m pytest -q

# zvm's modules compiled now: where PYTHONDONTWRITEBYTECODE is set Python
# never writes their bytecode, and every run of zvm would compile them from
# source first (Zork I's first prompt: 90 ms rather than 25). compileall
# passes over the linked rooms inside zvm/, so they are named too. What is up
# to date is not written again. Then the library of tier-0 shapes, written
# when the compiler changed (tools/shape_library.py says why).
bytecode: $(PLAY_STAMP)
	$(BIN)/python -m compileall -q zvm ui tools stories
	$(BIN)/python tools/shape_library.py

# The linter and the type checker: configured in pyproject.toml
lint: $(STAMP)
	$(BIN)/python -m ruff check zvm ui tools
	$(BIN)/python -m mypy

quick: $(STAMP) bytecode
	$(BIN)/python -m pytest -q -m "not slow"

play: bytecode
	$(BIN)/zvm $(STORY)

# One executable, dist/zvm, holding Python, zvm, blessed and the bundled stories.
dist: $(STAMP)
	$(BIN)/python tools/build_dist.py dist

bench: $(STAMP)
	$(BIN)/python tools/bench.py $(BENCH_ARGS)

# Damaged stories, saves, input and streams until the time is up (tools/fuzz.py).
fuzz: $(STAMP)
	$(BIN)/python -m zvm.tools.fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis zvm/compile/shapes.zvml
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
