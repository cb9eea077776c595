"""The test harness itself: a command that runs out of time takes its workers with it."""

import subprocess
import time
from pathlib import Path
import pytest


def alive(pid: int) -> bool:
    "Whether process `pid` runs (a zombie waiting to be reaped counts as ended)."
    status = Path(f'/proc/{pid}/status')
    try:
        return 'zombie' not in status.read_text()
    except FileNotFoundError:
        return False


def test_timeout_ends_the_commands_workers(run, tmp_path):
    pid_file = tmp_path / 'worker.pid'
    # a worker forked by the command, as nbdev_test's are, outlives its parent unless killed
    script = f'sleep 60 & echo $! > {pid_file}; wait'
    with pytest.raises(subprocess.TimeoutExpired):
        run('bash', '-c', script, timeout=2)
    pid = int(pid_file.read_text())
    end = time.time() + 5
    while alive(pid) and time.time() < end:
        time.sleep(0.1)
    assert not alive(pid), f'worker {pid} outlived the timeout'
