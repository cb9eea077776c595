"""The notebooks are committed with their outputs (`make notebooks`, tools/run_notebooks.py): they
stay small and show no errors. Outputs are not required: a notebook without any passes."""

import base64
import importlib.util
import io
import json
import subprocess
import sys
import pytest
from conftest import ROOT

NBS = ROOT / 'nbs'
MAX_TOTAL = 20 * 2**20  # all of nbs/
MAX_IMAGE = 200_000  # one decoded image output (the script aims at 100 KB)


def notebooks():
    return sorted(NBS.glob('*.ipynb'))


def outputs(nb_path):
    "(cell number, output) for every output of the notebook."
    nb = json.loads(nb_path.read_text(encoding='utf-8'))
    return [(i + 1, o) for i, c in enumerate(nb['cells']) for o in c.get('outputs', [])]


def test_nbs_under_20mb():
    sizes = {p.relative_to(ROOT): p.stat().st_size for p in NBS.rglob('*') if p.is_file()}
    big = sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
    assert sum(sizes.values()) < MAX_TOTAL, (
        f'nbs/ is {sum(sizes.values()) / 2**20:.1f} MB; biggest: {big}'
    )


def test_no_big_images():
    big = [
        f'{p.name} cell {i}: {k} {len(base64.b64decode("".join(o["data"][k]))):,} bytes'
        for p in notebooks()
        for i, o in outputs(p)
        for k in o.get('data', {})
        if k.startswith('image/')
        and 'svg' not in k
        and len(base64.b64decode(''.join(o['data'][k]))) > MAX_IMAGE
    ]
    assert not big, 'images over 200 KB (run tools/run_notebooks.py on them): ' + '; '.join(big)


def test_no_error_outputs():
    errs = [
        f'{p.name} cell {i}: {o.get("ename")}: {o.get("evalue")}'
        for p in notebooks()
        for i, o in outputs(p)
        if o.get('output_type') == 'error'
    ]
    assert not errs, 'committed notebooks show errors: ' + '; '.join(errs)


# ------------------------------------------------------------------ the script itself, on a made-up
# notebook
@pytest.fixture(scope='module')
def rn():
    spec = importlib.util.spec_from_file_location(
        'run_notebooks', ROOT / 'tools' / 'run_notebooks.py'
    )
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def code(src, outputs=()):
    return dict(
        cell_type='code',
        execution_count=None,
        id='x',
        metadata={},
        outputs=list(outputs),
        source=src,
    )


def test_skip_rules(rn):
    for src, why in [
        ('#| slow\nx=1', 'slow'),
        ('#|notest\nx=1', 'notest'),
        ('#| eval: false\nx=1', 'eval: false'),
        ('#| hide\nimport nbdev; nbdev.nbdev_export()', 'nbdev_export'),
        ('#| export\nx=1', None),
        ('x=1  #| slow', None),
    ]:
        assert rn.skip_reason(code(src)) == why, src


def test_shrink_image(rn):
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[:1200, :1600]
    a = np.stack(
        [(x * 7 + y) % 256, (y * 3) % 256, np.random.default_rng(0).integers(0, 256, x.shape)], -1
    ).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, 'PNG')
    assert len(buf.getvalue()) > rn.MAX_IMG
    b64, wh = rn.shrink_image(base64.b64encode(buf.getvalue()).decode())
    assert len(base64.b64decode(b64)) <= rn.MAX_IMG and wh[0] <= 640
    small = base64.b64encode(buf.getvalue()[:10]).decode()
    assert rn.shrink_image(small) == (small, None)  # small images are left alone


def test_tidy_streams(rn):
    outs = [
        dict(output_type='stream', name='stdout', text=[f'{i}\n' for i in range(50)]),
        dict(
            output_type='stream',
            name='stdout',
            text=['a\rb\rc\n'] + [f'{i}\n' for i in range(50, 100)],
        ),
    ]
    (o,) = rn.tidy_streams(outs)
    assert (
        len(o['text']) == 61
        and o['text'][0].startswith('[41 earlier')
        and o['text'][-1] == '99\n'
        and 'c\n' in o['text']
    )


def test_slow_cells_run_when_asked(rn, tmp_path):
    "`--slow` runs the `#| slow` cells and stores their outputs; the course's times never do."
    cells = [code('print("fast")', []), code('#| slow\nprint("slow")', [])]
    src = tmp_path / 'lesson.ipynb'
    src.write_text(json.dumps(dict(nbformat=4, nbformat_minor=5, metadata={}, cells=cells)))
    outs = {}
    for slow in (False, True):
        rn.execute(src, tmp_path / f'out_{slow}.ipynb', slow=slow)
        got = json.loads((tmp_path / f'out_{slow}.ipynb').read_text())['cells']
        outs[slow] = [''.join(o.get('text', '')) for c in got for o in c['outputs']]
    assert outs == {False: ['fast\n'], True: ['fast\n', 'slow\n']}
    with pytest.raises(SystemExit):
        rn.main(['--slow', '--times', str(tmp_path / 't.json')])


def test_run_made_up_notebook(rn, tmp_path):
    """Runs the script end to end: outputs stored, slow cells keep theirs, export cell not run, a
    failure leaves the file."""
    kept = dict(output_type='stream', name='stdout', text=['from the last deliberate run\n'])
    nb = dict(
        nbformat=4,
        nbformat_minor=5,
        metadata={
            'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}
        },
        cells=[
            dict(cell_type='markdown', id='m', metadata={}, source='# t'),
            code('x = 6 * 7\nx'),
            code("print('\\n'.join(map(str, range(100))))"),
            code('#| slow\nraise SystemExit("slow cells must not run")', [kept]),
            code('#| eval: false\nraise SystemExit("must not run")'),
            code('#| hide\nimport nbdev; nbdev.nbdev_export()'),
            code(
                'import numpy as np, matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(16, '
                '12))\n'
                'ax.imshow(np.random.default_rng(0).random((300, 400, 3)));'
            ),
        ],
    )
    src = tmp_path / 'nb.ipynb'
    src.write_text(json.dumps(nb))
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / 'tools' / 'run_notebooks.py'),
            str(src),
            '--out',
            str(tmp_path / 'out'),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert '3 cells run, 3 skipped' in r.stdout, r.stdout
    got = json.loads((tmp_path / 'out' / 'nb.ipynb').read_text())['cells']
    assert (
        got[1]['outputs'][0]['data']['text/plain'] == ['42']
        and len(got[2]['outputs'][0]['text']) == 61
    )
    assert got[3]['outputs'] == [kept] and got[4]['outputs'] == [] == got[5]['outputs']
    # a 1600x1200 px noisy figure, shrunk
    png = base64.b64decode(got[6]['outputs'][0]['data']['image/png'])
    assert 0 < len(png) <= 100_000, len(png)
    nb['cells'][2] = code('1/0')
    src.write_text(json.dumps(nb))
    before = src.read_text()
    r = subprocess.run(
        [sys.executable, str(ROOT / 'tools' / 'run_notebooks.py'), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (
        r.returncode == 1
        and 'cell 3 of 7 failed: ZeroDivisionError' in r.stderr
        and 'left untouched' in r.stderr
    ), r.stderr
    assert src.read_text() == before
