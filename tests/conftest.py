import sys
import subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture
def run():
    "Run a command of the project's venv; returns the CompletedProcess."

    def _run(*args, cwd=ROOT, timeout=1200, **kw):
        exe = BIN / args[0]
        return subprocess.run(
            [str(exe) if exe.exists() else args[0], *args[1:]],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kw,
        )

    return _run
