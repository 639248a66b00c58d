"""The real ``loket`` command in a child process, on the test app's database, SMTP server and settings."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from tests.helpers.reactivation import child_env

#: runs `loket ARGS` and then says on stderr whether a view module had been imported
_PROBE = (
    "import sys; from loket.cli import main; main(sys.argv[1:], standalone_mode=False); "
    "print('views loaded:', 'loket.web.admin' in sys.modules, file=sys.stderr)"
)


@dataclass
class Child:
    """What a finished (successful) child printed."""

    stdout: str
    stderr: str

    @property
    def views_loaded(self) -> bool:
        """Whether the command's process imported the web layer's view modules."""
        return "views loaded: True" in self.stderr


def run_loket(app, *args: str, timeout: int = 300) -> Child:
    """``loket ARGS`` as its own process; fails the test when it fails."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=child_env(app),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    assert "views loaded:" in done.stderr, done.stderr
    return Child(done.stdout, done.stderr)
