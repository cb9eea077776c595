"The freeavatar command end to end, as a user runs it."

import json
import cv2


def test_assets_lists_everything_cached(run):
    r = run('freeavatar', 'assets')
    assert r.returncode == 0, r.stderr
    from freeavatar.assets import ASSETS

    lines = [line for line in r.stdout.splitlines() if line.strip()]
    assert len(lines) == len(ASSETS) and all(line.startswith('cached') for line in lines), r.stdout


def test_sheets_write_rig_description(run, tmp_path):
    r = run('freeavatar', 'sheets', '--out', str(tmp_path))
    assert r.returncode == 0, r.stderr
    info = json.loads((tmp_path / 'avatars.json').read_text())
    assert list(info) == ['human', 'toon', 'creature']
    assert (
        len(info['human']['controls']) >= 20
        and len(info['toon']['controls']) >= 8
        and len(info['creature']['controls']) >= 6
    )
    for name in info:
        img = cv2.imread(str(tmp_path / f'rig_{name}.png'))  # readable by another tool
        assert img is not None and img.shape[0] > 100 and img.std() > 10


def test_render_then_errors(run, tmp_path):
    out = tmp_path / 'wink.png'
    r = run('freeavatar', 'render', 'toon', '--set', 'blink_L=1', '--size', '96', '--out', str(out))
    assert r.returncode == 0, r.stderr
    assert cv2.imread(str(out)).shape == (96, 96, 3)
    bad = run('freeavatar', 'render', 'dragon', '--out', str(tmp_path / 'x.png'))
    assert bad.returncode == 2 and 'dragon: unknown avatar' in bad.stderr
    bad = run(
        'freeavatar', 'render', 'toon', '--set', 'smile=lots', '--out', str(tmp_path / 'x.png')
    )
    assert bad.returncode == 2 and "expected NAME=VALUE" in bad.stderr
    bad = run('freeavatar', 'render', 'human', '--set', 'smile=1', '--out', str(tmp_path / 'x.png'))
    assert bad.returncode == 2 and "unknown controls ['smile']" in bad.stderr
    assert not (tmp_path / 'x.png').exists()  # nothing half-written


def test_render_clips_out_of_range_with_warning(run, tmp_path):
    r = run(
        'freeavatar',
        'render',
        'creature',
        '--set',
        'grille_open=3',
        '--size',
        '64',
        '--out',
        str(tmp_path / 'c.png'),
    )
    assert r.returncode == 0 and 'clipped: grille_open=3' in r.stderr


def test_demo_is_the_main_job(run, tmp_path):
    """`freeavatar demo` with the shipped weights: every file a user opens, readable by the tools
    they open it with."""
    import pandas as pd
    from freeavatar.gltf_check import check_glb

    r = run('freeavatar', 'demo', '--out', str(tmp_path), '--max-frames', '48', '--quiet')
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'jitter raw -> smoothed' in r.stdout and 'frames/s end to end' in r.stdout
    doc = json.loads((tmp_path / 'animation.json').read_text())
    assert (
        doc['frames'] == 48
        and doc['avatars'] == ['human', 'toon', 'creature']
        and doc['models']['manifest']['preset'] == 'cpu'
    )
    for name in doc['avatars']:
        df = pd.read_csv(tmp_path / f'{name}.csv')
        assert (
            len(df) == 48
            and list(df.columns[2 : 2 + len(doc['controls'][name])]) == doc['controls'][name]
        )
        assert (
            df[doc['controls'][name]].values.min() >= 0
            and df[doc['controls'][name]].values.max() <= 1
        )
        assert check_glb(tmp_path / f'{name}.glb')['frames'] == 48
        assert (tmp_path / f'rig_{name}.png').exists()
    cap = cv2.VideoCapture(str(tmp_path / 'preview.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 48
    ok, frame = cap.read()
    cap.release()
    assert ok and frame.std() > 10
    assert json.loads((tmp_path / 'avatars.json').read_text()).keys() == {
        'human',
        'toon',
        'creature',
    }


def test_retarget_bad_input_exit_2(run, tmp_path):
    r = run('freeavatar', 'retarget', str(tmp_path / 'nope.mp4'), '--out', str(tmp_path / 'o'))
    assert (
        r.returncode == 2
        and 'nope.mp4: no such file or folder' in r.stderr
        and not (tmp_path / 'o').exists()
    )
    r = run(
        'freeavatar', 'retarget', str(tmp_path), '--avatars', 'dragon', '--out', str(tmp_path / 'o')
    )
    assert r.returncode == 2 and 'freeavatar: error:' in r.stderr


def test_probe_names_a_bad_checkpoint(run, tmp_path):
    bad = tmp_path / 'enc.pt'
    bad.write_bytes(b'not a checkpoint')
    r = run('freeavatar', 'probe', '--encoder', str(bad))
    assert r.returncode == 2 and 'enc.pt: not a readable checkpoint' in r.stderr, r.stderr
    r = run('freeavatar', 'probe', '--encoder', str(tmp_path / 'none.pt'))
    assert r.returncode == 2 and 'none.pt: no such checkpoint file' in r.stderr, r.stderr
