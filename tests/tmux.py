"""zvm in a real terminal for tests: a detached tmux session on a private
server (``tmux -L``); keys go in with ``send-keys``, the screen comes back
with ``capture-pane -p`` (``-e`` keeps text attributes). zvm runs as
``bash -c 'PROGRAM STORY; echo ZVM-EXITED $?; sleep 5'`` so a test can see
the terminal after the game ends."""

from __future__ import annotations

import itertools
import os
import shlex
import subprocess
import sys
import tempfile
import time

from helpers import ROOT

DEADLINE = 10.0
_ids = itertools.count()


class Pane:
    """zvm in a detached tmux session of its own."""

    def __init__(self, story, width=80, height=24, args=(), program=None,
                 term="xterm-256color", cwd=ROOT):
        self.socket = f"zvmtest-{os.getpid()}-{next(_ids)}"
        self.cwd = cwd
        program = program or [sys.executable, "-m", "zvm"]
        argv = shlex.join([*map(str, program), *args, str(story)])
        inner = f"{argv}; echo ZVM-EXITED $?; sleep 5"
        cmd = (f"env TERM={term} BLESSED_QUERY_TIMEOUT_SECONDS=0.1 "
               f"bash -c {shlex.quote(inner)}")
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), cmd)

    @classmethod
    def shell(cls, story, width=80, height=24, args=(), term="xterm-256color", cwd=ROOT,
              env=()):
        """zvm started from an interactive bash (job control: Ctrl-Z and
        ``fg`` work there); ``exit_status`` asks the shell for zvm's exit
        status once it has ended. ``env``: (name, value) pairs for zvm's
        environment."""
        self = cls.__new__(cls)
        self.socket = f"zvmtest-{os.getpid()}-{next(_ids)}"
        self.cwd = cwd
        home = tempfile.mkdtemp(prefix="zvmtest-home-")        # caches go there, not here
        shell = (f"env -i PATH={shlex.quote(os.environ.get('PATH', ''))} TERM={term} "
                 f"HOME={home} HISTFILE=/dev/null PS1='$ ' "
                 "bash --norc --noprofile -i")
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), shell)
        settings = " ".join(f"{k}={shlex.quote(v)}" for k, v in env)
        argv = shlex.join([sys.executable, "-m", "zvm", *map(str, args), str(story)])
        self.wait(lambda s: "$" in s, "the shell's prompt")
        self.type(f"{settings} {argv}".strip())
        self.keys("Enter")
        return self

    def exit_status(self) -> int:
        """zvm has ended (started by ``shell``): its exit status."""
        # Type only at the shell's prompt: keys typed while zvm is still
        # leaving the screen would be read (or dropped) by zvm.
        self.wait(lambda s: s.rstrip().endswith("$"), "the shell's prompt")
        self.type("echo ZVM-EXITED $?")
        self.keys("Enter")
        screen = self.wait(lambda s: "\nZVM-EXITED " in s, "the exit status")
        return int(screen.split("\nZVM-EXITED ")[1].split()[0])

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              cwd=self.cwd, capture_output=True, text=True, check=check)

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def type(self, text):
        self.tmux("send-keys", "-l", text)

    def capture(self, escapes=False) -> str:
        args = ["capture-pane", "-p"] + (["-e"] if escapes else [])
        return self.tmux(*args).stdout

    def state(self) -> tuple[str, int, int]:
        """The screen and the cursor's (x, y), from one tmux call."""
        out = self.tmux("capture-pane", "-p", ";",
                        "display-message", "-p", "#{cursor_x} #{cursor_y}").stdout
        screen, _, cursor = out.rstrip("\n").rpartition("\n")
        x, y = cursor.split()
        return screen, int(x), int(y)

    def lines(self) -> list[str]:
        return self.capture().split("\n")

    def wait(self, predicate, what="", escapes=False, timeout=DEADLINE) -> str:
        end = time.monotonic() + timeout
        while True:
            screen = self.capture(escapes)
            if predicate(screen):
                return screen
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{screen}")
            time.sleep(0.05)

    def wait_text(self, text, **kw) -> str:
        return self.wait(lambda s: text in s, repr(text), **kw)

    def kill(self):
        self.tmux("kill-server", check=False)


