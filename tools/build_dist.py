"""Build the one-file binary: ``python tools/build_dist.py [DISTDIR]``
(``make dist`` runs it; DISTDIR defaults to dist/).

PyInstaller freezes tools/launcher.py with everything zvm needs at run
time: the frontends and the subcommands' tools (found by name, so collected
explicitly), the bundled stories, and blessed's terminal definitions
(``jinxed.terminfo``); binaries are stripped. The build runs through a
spec file written into the work folder (build/zvm.spec) that calls back
into this module (``analysis``, ``keep``, ``keep_script``): storing
without compression and leaving collected files out have no command line
options.

Start-up. A one-file binary copies its shared libraries, extension modules
and data files into a new temporary folder at every start, before Python
runs, and deletes them at exit; pure Python modules are read from inside
the binary. Each file copied costs an inode made and freed (ext4 is slow
to find a free inode where many were freed seconds before, as by runs in a
row), each byte a copy. Hence, measured with ``tools/bench.py --startup``
(0.44 s to Zork I's first prompt before):

- Nothing is compressed: inflating 33 MB took 0.2 s at every start; stored,
  the files are copied at the speed of the page cache. The binary is bigger
  (about 20 MB, within the 25 MB budget).
- Only the parts of zvm the command uses: not the research library
  (``zvm.Game``, ``zvm.Games``: a Python API, which a binary without a
  Python prompt cannot offer; no subcommand uses it), which takes
  ``multiprocessing`` and PyInstaller's runtime hook that imported it at
  every start; none of the developer tools (benchmarks, fuzzing, this
  builder, the pytest plugin, which brought pytest and through it
  ``pkg_resources``, whose runtime hook took 0.1 s at every start). The
  subcommands ``test``, ``record``, ``dis`` and ``dump`` stay. Nor zvm's
  metadata: zvm finds its own frontends and commands without it, and no
  other package's entry points can be inside the binary.
- Not OpenSSL (``ssl``, ``_hashlib``: libssl and libcrypto, 5.4 MB):
  blessed imports asyncio, which does without ssl, and hashlib without
  OpenSSL uses Python's own blake2b (the code cache's key) and the other
  hashes. Not ``ctypes``: only jinxed's Windows console code uses it, and
  PyInstaller's bootstrap imported it at every start.
- Not the C accelerators that the standard library replaces with its own
  Python code when they are missing, used too little by zvm for the speed
  to show: ``_pickle``, ``_heapq``, ``_bisect``, ``_asyncio``,
  ``_elementtree``, ``_datetime``, ``_queue``, ``_statistics``,
  ``_typing``, ``_opcode``, and wcwidth's ``_wcwidth_c`` (zvm caches each
  character's width). Not modules imported only where the importer does
  without them or on paths zvm never takes: bz2 and lzma (shutil, zipfile),
  ``unicodedata`` (traceback's carets under non-ASCII source lines, and a
  frozen program has no source lines), ``grp``, ``resource``, and
  ``urllib.request``, ``http``, ``pydoc`` (xml.sax, pdb's help).
  Kept for what they do: the CJK codecs (a terminal's locale may need
  one), readline (line editing when TERM=dumb), ``_decimal`` (Pillow
  imports decimal; its Python twin takes longer to import), ``_csv``
  (importlib.metadata, asked for a plugin zvm does not know).
- Nothing copied out that nothing reads: the stories' sources,
  walkthroughs and README, typing stubs, and PyInstaller's links to
  Pillow's libraries at the top of the folder (Pillow's own files find
  them through their RPATH).
- Runtime hooks: PyInstaller's hook for ``inspect`` (which imported inspect
  and zipfile and read base_library.zip's index at every start, for
  ``inspect.getsourcefile`` on frozen code) is left out: zvm never asks for
  the source of its code. Its hook for ``pkgutil`` (which blessed needs to
  list jinxed's terminal definitions) cost 15 ms at every start, in typing,
  re and enum that the headless interpreter never imports: it now runs
  when pkgutil is first imported (tools/pyi_rth_lazy_pkgutil.py).

What remains is mostly copying about 17 MB in 46 files: Python's library
(5.7 MB) and Pillow's (6 MB with the libraries it links, which the
terminal UI needs for pictures), then deleting them.

Pillow goes in for the terminal UI's pictures with only the image formats a
Blorb file may hold (PNG and JPEG, Blorb 2.0.4 section 2; MPO and TIFF are
read by the JPEG plugin for multi-picture files and EXIF): the other image
plugins and the extension modules zvm does not use (fonts, colour
management, WebP, AVIF, Tk) are left out, with the libraries they need.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


KEPT_IMAGE_PLUGINS = {"PngImagePlugin", "JpegImagePlugin", "MpoImagePlugin",
                      "TiffImagePlugin"}
UNUSED_PIL = ["PIL._avif", "PIL._imagingft", "PIL.ImageFont", "PIL._imagingcms",
              "PIL.ImageCms", "PIL._webp", "PIL._imagingtk", "PIL.ImageTk", "PIL.ImageQt",
              "PIL._imagingmath", "PIL.ImageMath", "PIL._imagingmorph", "PIL.ImageMorph",
              "PIL.ImageShow", "PIL.ImageGrab", "PIL.ImageDraw", "tkinter"]


def pil_excludes() -> list[str]:
    """The modules of Pillow zvm does not use."""
    try:
        import PIL
    except ImportError:
        return []
    plugins = [f"PIL.{m.name}" for m in pkgutil.iter_modules(PIL.__path__)
               if m.name.endswith("ImagePlugin") and m.name not in KEPT_IMAGE_PLUGINS]
    return UNUSED_PIL + plugins


# Packages that may be installed beside zvm (the test extras) and that the
# binary must not carry: numpy (Pillow imports it when present, zvm never
# needs it), the research library's optional backends, imported only when
# asked for (zvm.Games(backend="ray"), zvm.research.gym_env), and the test
# and packaging tools (pytest for the regtest plugin, pkg_resources).
NOT_BUNDLED = ["numpy", "ray", "gymnasium", "pytest", "_pytest", "pluggy", "pygments",
               "pkg_resources", "setuptools", "_distutils_hack"]

# The standard library's modules left out, for the reasons above.
UNUSED_STDLIB = [
    "multiprocessing", "concurrent.futures.process", "ssl", "_ssl", "_hashlib", "ctypes",
    "_pickle", "_heapq", "_bisect", "_asyncio", "_elementtree", "_datetime", "_queue",
    "_statistics", "_typing", "_opcode", "wcwidth._wcwidth_c",
    "bz2", "_bz2", "lzma", "_lzma", "unicodedata", "grp", "resource",
    # reached only from xml.sax and pdb's help, which zvm never uses (0.5 MB)
    "urllib.request", "http", "ftplib", "pydoc"]

# zvm's modules the binary carries: everything but the research library and
# the tools that are not subcommands (their own imports come along).
RESEARCH = "zvm.research"
ZVM_LEFT_OUT = (RESEARCH, "zvm.tools.")

# Files copied out at start-up that nothing reads.
STORY_SUFFIXES = (".z1", ".z2", ".z3", ".z4", ".z5", ".z6", ".z7", ".z8", ".blb", ".zblorb")
# PyInstaller's runtime hooks left out; pkgutil's runs when pkgutil is
# imported (tools/pyi_rth_lazy_pkgutil.py).
DROPPED_HOOKS = {"pyi_rth_inspect", "pyi_rth_pkgutil"}


def zvm_modules() -> list[str]:
    """The hidden imports for zvm: what the command may load by name."""
    import zvm
    from zvm.cli.plugins import COMMANDS
    names = [m.name for m in pkgutil.walk_packages(zvm.__path__, "zvm.")
             if not m.name.startswith(ZVM_LEFT_OUT)]
    subcommands = [target.partition(":")[0] for target in COMMANDS.values()]
    return sorted(names + subcommands)


def lazy_hook_source(hook_source: str) -> str:
    """tools/pyi_rth_lazy_pkgutil.py running hook_source when pkgutil is
    first imported."""
    template = (ROOT / "tools" / "pyi_rth_lazy_pkgutil.py").read_text()
    placeholder = 'HOOK_SOURCE = ""\n'
    if placeholder not in template:
        raise RuntimeError(f"tools/pyi_rth_lazy_pkgutil.py lacks the line {placeholder!r}")
    return template.replace(placeholder, f"HOOK_SOURCE = {hook_source!r}\n")


def lazy_pkgutil_hook(work: Path) -> list[str]:
    """The runtime hooks to add: the lazy hook with PyInstaller's own hook
    for pkgutil in it, written into work (none when this PyInstaller has no
    such hook)."""
    import PyInstaller
    original = Path(PyInstaller.__file__).parent / "hooks" / "rthooks" / "pyi_rth_pkgutil.py"
    if not original.is_file():
        return []
    hook = work / "pyi_rth_lazy_pkgutil.py"
    hook.write_text(lazy_hook_source(original.read_text()))
    return [str(hook)]


def analysis(work: Path) -> dict:
    """The arguments of the spec's Analysis."""
    from PyInstaller.utils.hooks import collect_data_files, collect_submodules
    return dict(
        scripts=[str(ROOT / "tools" / "launcher.py")],
        runtime_hooks=lazy_pkgutil_hook(work),
        datas=collect_data_files("zvm.stories") + shape_library(),
        hiddenimports=collect_submodules("jinxed.terminfo") + zvm_modules(),
        excludes=pil_excludes() + NOT_BUNDLED + UNUSED_STDLIB + [RESEARCH],
        optimize=0)


def shape_library() -> list[tuple[str, str]]:
    """The library of tier-0 shapes (``tools/shape_library.py``), written
    now if it is stale, beside the compiler as in a checkout."""
    from zvm.compile import shapes
    from zvm.tools import shape_library
    shape_library.ensure()
    return [(shapes.LIBRARY, "zvm/compile")]


def keep(entry: tuple[str, str, str]) -> bool:
    """Whether a collected file (dest, source, typecode) goes in."""
    dest, source, typecode = entry
    if typecode == "SYMLINK":       # Pillow's own files find its libraries by RPATH
        return not source.startswith("pillow.libs/")
    if dest.startswith("zvm/stories/"):
        return dest.endswith(STORY_SUFFIXES)
    return not dest.endswith((".pyi", "py.typed"))


def keep_script(entry: tuple[str, str, str]) -> bool:
    """Whether a script run at start (a runtime hook, the launcher) goes in."""
    return entry[0] not in DROPPED_HOOKS


SPEC = """\
# Written by tools/build_dist.py, which says why; PyInstaller runs it.
from pathlib import Path
from zvm.tools import build_dist

a = Analysis(**build_dist.analysis(Path({work!r})))
a.datas = [entry for entry in a.datas if build_dist.keep(entry)]
a.binaries = [entry for entry in a.binaries if build_dist.keep(entry)]
a.scripts = [entry for entry in a.scripts if build_dist.keep_script(entry)]
pyz = PYZ(a.pure)
exe = EXE(pyz, a.scripts, a.binaries, a.datas, [],
          name="zvm", console=True, strip=True, upx=False, runtime_tmpdir=None,
          cdict={{typecode: False for typecode in
                  ("EXTENSION", "DATA", "BINARY", "EXECUTABLE", "PYSOURCE", "PYMODULE",
                   "SPLASH", "PYZ", "SYMLINK")}})
"""


def write_spec(work: Path) -> Path:
    spec = work / "zvm.spec"
    spec.write_text(SPEC.format(work=str(work)))
    return spec


def build(dist: Path, work: Path | None = None) -> Path:
    """Build dist/zvm; returns its path. Raises CalledProcessError on failure."""
    work = work or ROOT / "build"
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                    "--distpath", str(dist), "--workpath", str(work / "pyinstaller"),
                    str(write_spec(work))], cwd=ROOT, check=True)
    return dist / "zvm"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist"
    path = build(target)
    print(f"built {path} ({path.stat().st_size / 1e6:.1f} MB)")
