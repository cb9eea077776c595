"`freeavatar live` as a user runs it: VMC packets on localhost against the CSV, and bad input."

import socket
import threading
import numpy as np
import pandas as pd
from freeavatar.assets import fetch
from freeavatar.live import read_vmc


def receive(n: int):
    "A UDP receiver on a free localhost port, keeping up to `n` datagrams: (port, packets, thread)."
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(('127.0.0.1', 0))
    rx.settimeout(60)
    packets = []

    def listen():
        try:
            while len(packets) < n:
                packets.append(rx.recv(65536))
        except OSError:
            pass
        finally:
            rx.close()

    th = threading.Thread(target=listen, daemon=True)
    th.start()
    return rx.getsockname()[1], packets, th


def test_live_packets_match_the_csv(run, tmp_path):
    port, packets, th = receive(40)
    clip = str(fetch('single_face.mp4'))
    args = ['--video', clip, '--max-frames', '40', '--port', str(port), '--out', str(tmp_path)]
    r = run('freeavatar', 'live', *args)
    th.join(timeout=60)
    assert r.returncode == 0, r.stderr
    assert '40 frames sent' in r.stdout and '0 dropped' in r.stdout, r.stdout
    rows = pd.read_csv(tmp_path / 'human.csv')
    controls = list(rows.columns[2 : 2 + int(rows['BlendShapeCount'][0])])
    assert len(packets) == len(rows) == 40
    got = [read_vmc(p) for p in packets]
    assert all(list(g) == controls for g in got)  # every control, in the rig's order
    assert 'jawOpen' in controls and 'eyeBlinkLeft' in controls
    np.testing.assert_allclose([list(g.values()) for g in got], rows[controls], atol=1e-5)
    # the clip smiles: the human's smile rises above its first frame
    assert rows['mouthSmileLeft'].max() > rows['mouthSmileLeft'][0] + 0.2


def test_live_bad_input_is_one_line(run, tmp_path):
    clip = str(fetch('single_face.mp4'))
    cases = [
        (['--camera', '9'], 'camera 9: cannot be opened'),
        (['--video', clip, '--host', 'no.such.host.invalid'], 'no.such.host.invalid:39539: cannot'),
        (['--video', clip, '--avatar', 'robot'], 'robot'),
        (['--video', str(tmp_path / 'missing.mp4')], 'missing.mp4: no such file'),
        ([], 'give either --camera INDEX or --video FILE'),
    ]
    for args, msg in cases:
        r = run('freeavatar', 'live', *args, '--out', str(tmp_path / 'out'))
        lines = r.stderr.strip().splitlines()
        errors = [line for line in lines if line.startswith('freeavatar: error:')]
        assert r.returncode == 2 and lines == errors and len(errors) == 1, (args, r.stderr)
        assert msg in errors[0], (args, r.stderr)
