"The freeavatar command end to end, as a user runs it."
import json
import cv2
import numpy as np

def test_assets_lists_everything_cached(run):
    r = run('freeavatar', 'assets')
    assert r.returncode == 0, r.stderr
    from freeavatar.assets import ASSETS
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    assert len(lines) == len(ASSETS) and all(l.startswith('cached') for l in lines), r.stdout

def test_sheets_write_rig_description(run, tmp_path):
    r = run('freeavatar', 'sheets', '--out', str(tmp_path))
    assert r.returncode == 0, r.stderr
    info = json.loads((tmp_path / 'avatars.json').read_text())
    assert list(info) == ['human', 'toon', 'creature']
    assert len(info['human']['controls']) >= 20 and len(info['toon']['controls']) >= 8 and len(info['creature']['controls']) >= 6
    for name in info:
        img = cv2.imread(str(tmp_path / f'rig_{name}.png'))          # readable by another tool
        assert img is not None and img.shape[0] > 100 and img.std() > 10

def test_render_then_errors(run, tmp_path):
    out = tmp_path / 'wink.png'
    r = run('freeavatar', 'render', 'toon', '--set', 'blink_L=1', '--size', '96', '--out', str(out))
    assert r.returncode == 0, r.stderr
    assert cv2.imread(str(out)).shape == (96, 96, 3)
    bad = run('freeavatar', 'render', 'dragon', '--out', str(tmp_path / 'x.png'))
    assert bad.returncode == 2 and 'dragon: unknown avatar' in bad.stderr
    bad = run('freeavatar', 'render', 'toon', '--set', 'smile=lots', '--out', str(tmp_path / 'x.png'))
    assert bad.returncode == 2 and "expected NAME=VALUE" in bad.stderr
    bad = run('freeavatar', 'render', 'human', '--set', 'smile=1', '--out', str(tmp_path / 'x.png'))
    assert bad.returncode == 2 and "unknown controls ['smile']" in bad.stderr
    assert not (tmp_path / 'x.png').exists()                          # nothing half-written

def test_render_clips_out_of_range_with_warning(run, tmp_path):
    r = run('freeavatar', 'render', 'creature', '--set', 'grille_open=3', '--size', '64', '--out', str(tmp_path / 'c.png'))
    assert r.returncode == 0 and 'clipped: grille_open=3' in r.stderr
