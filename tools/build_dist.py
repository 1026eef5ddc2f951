"""Build the one-file binary: ``python tools/build_dist.py [DISTDIR]``
(``make dist`` runs it; DISTDIR defaults to dist/).

PyInstaller freezes tools/launcher.py with everything zvm needs at run
time: the frontends and tools (found by name, so collected explicitly),
the bundled stories, zvm's own metadata (its entry points), and blessed's
terminal definitions (``jinxed.terminfo``). ``--strip`` halves the size.

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
    """--exclude-module arguments for the parts of Pillow zvm does not use."""
    try:
        import PIL
    except ImportError:
        return []
    plugins = [f"PIL.{m.name}" for m in pkgutil.iter_modules(PIL.__path__)
               if m.name.endswith("ImagePlugin") and m.name not in KEPT_IMAGE_PLUGINS]
    return [arg for name in UNUSED_PIL + plugins for arg in ("--exclude-module", name)]


# Packages that may be installed beside zvm (the test extras) and that the
# binary must not carry: numpy (Pillow imports it when present, zvm never
# needs it), and the research library's optional backends, imported only
# when asked for (zvm.Games(backend="ray"), zvm.research.gym_env).
NOT_BUNDLED = ["numpy", "ray", "gymnasium"]


def pyinstaller_args(dist: Path, work: Path) -> list[str]:
    return [
        *pil_excludes(),
        *[arg for name in NOT_BUNDLED for arg in ("--exclude-module", name)],
        "--onefile", "--strip", "--name", "zvm", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work / "pyinstaller"), "--specpath", str(work),
        "--collect-submodules", "jinxed.terminfo",
        "--collect-submodules", "zvm",
        "--collect-data", "zvm.stories",
        "--copy-metadata", "zvm-interpreter",      # the distribution (pyproject.toml)
        str(ROOT / "tools" / "launcher.py"),
    ]


def build(dist: Path, work: Path | None = None) -> Path:
    """Build dist/zvm; returns its path. Raises CalledProcessError on failure."""
    work = work or ROOT / "build"
    subprocess.run([sys.executable, "-m", "PyInstaller", *pyinstaller_args(dist, work)],
                   cwd=ROOT, check=True)
    return dist / "zvm"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist"
    path = build(target)
    print(f"built {path} ({path.stat().st_size / 1e6:.1f} MB)")
