import os
import signal
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
        # a session of its own, so that a timeout ends the command's workers too (nbdev_test's
        # outlived it and held the CPU)
        p = subprocess.Popen(
            [str(exe) if exe.exists() else args[0], *args[1:]],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            **kw,
        )
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)

    return _run
