"""Installing zvm breaks nothing around it (issue 14, items 1, 2 and 15):
the built wheel, installed in a fresh virtual environment, adds one
top-level name (``zvm``), ships ``py.typed``, and a project with its own
``tools`` and ``ui`` packages still runs its pytest (zvm's regtest plugin
loads nothing there) and ``python -m zvm`` from that project's folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile

import pytest

from helpers import ROOT

pytestmark = pytest.mark.slow


def _run(args, cwd, input=None, timeout=600):
    result = subprocess.run([str(a) for a in args], cwd=cwd, input=input, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the wheel, the fresh environment's python) with zvm and pytest installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp / "dist", ROOT],
         cwd=tmp)
    wheel = next((tmp / "dist").glob("zvm_interpreter-*.whl"))
    _run([sys.executable, "-m", "venv", tmp / "venv"], cwd=tmp)
    python = tmp / "venv" / "bin" / "python"
    _run([python, "-m", "pip", "install", "-q", wheel, "pytest"], cwd=tmp)
    return wheel, python


def test_the_wheel_installs_one_top_level_name_and_py_typed(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"zvm", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1]
                    + ".dist-info"}
    assert "zvm/py.typed" in names
    assert {"zvm/ui/terminal.py", "zvm/tools/regtest.py",
            "zvm/stories/hollinbrook.z5"} <= set(names)


PROJECT = {
    "tools/__init__.py": "",
    "tools/helpers.py": "def answer():\n    return 42\n",
    "ui/__init__.py": "MINE = True\n",
    "ui/headless.py": "raise ImportError('this is the project\\'s own ui, not zvm\\'s')\n",
    "tests/test_own.py": """
        import sys
        import tools.helpers
        import ui


        def test_the_projects_own_packages():
            assert tools.helpers.answer() == 42 and ui.MINE


        def test_zvms_plugin_loaded_nothing():
            loaded = [m for m in sys.modules if m.startswith("zvm.") and m != "zvm.tools"]
            assert loaded == ["zvm.tools.pytest_regtest"], loaded
    """,
}


def test_a_project_with_its_own_tools_and_ui_still_works(installed, tmp_path):
    _, python = installed
    for name, text in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    result = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=tmp_path)
    assert "2 passed" in result.stdout
    played = _run([python, "-m", "zvm", "--headless"], cwd=tmp_path, input="look\n")
    assert played.stdout.count("Hollin Brook Platform") >= 2
    assert played.stderr == ""
    script = python.parent / "zvm"
    assert "Z-Machine Standard" in _run([script, "--version"], cwd=tmp_path).stdout


def test_the_library_api_is_listed_and_typed(installed, tmp_path):
    _, python = installed
    code = ("import zvm, importlib.resources as r; print(sorted(zvm.__all__)); "
            "print('Game' in dir(zvm), r.files('zvm').joinpath('py.typed').is_file())")
    out = _run([python, "-c", code], cwd=tmp_path).stdout
    assert "'Game'" in out and "'StepResult'" in out and "True True" in out


def test_make_play_installs_only_what_playing_needs(tmp_path):
    """``make play`` with a fresh environment: zvm plays, and pytest (a
    test tool) is not there."""
    venv = tmp_path / "venv"
    story = ROOT / "stories" / "hollinbrook.z5"
    result = subprocess.run(["make", "-s", f"VENV={venv}", "play", f"STORY={story}"], cwd=ROOT,
                            input="look\n", capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Hollin Brook Platform" in result.stdout
    has = subprocess.run([venv / "bin" / "python", "-c", "import pytest"], capture_output=True)
    assert has.returncode != 0
