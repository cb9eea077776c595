"""Every avatar exports to a .glb that our reader accepts and the Khronos glTF validator passes with
0 errors."""

import json
import shutil
import subprocess
import numpy as np
import pytest
from conftest import ROOT
from freeavatar.core import InputError
from freeavatar.avatars import get_avatar
from freeavatar.gltf import write_glb, read_glb, glb_bytes
from freeavatar.gltf_check import check_glb

SCRIPT, VALIDATOR = ROOT / 'tests' / 'validate_gltf.mjs', ROOT / '.venv' / 'gltf-validator'


def khronos(path) -> dict:
    """The Khronos validator's JSON report on `path` (skips the test if node or the validator is
    missing)."""
    node = shutil.which('node')
    if node is None:
        pytest.skip("node is not installed, and the Khronos glTF validator runs on node")
    if not (VALIDATOR / 'node_modules' / 'gltf-validator').is_dir():
        pytest.skip(
            f"gltf-validator is not installed in {VALIDATOR}: run `make validator` (needs npm)"
        )
    r = subprocess.run(
        [node, str(SCRIPT), str(path), str(VALIDATOR)], capture_output=True, text=True, timeout=120
    )
    assert r.stdout, f"the validator printed nothing: {r.stderr}"
    return json.loads(r.stdout)


@pytest.mark.parametrize('name', ['human', 'toon', 'creature'])
def test_glb_passes_khronos(name, tmp_path):
    av = get_avatar(name)
    values = np.random.default_rng(0).uniform(0, 1, (10, len(av.controls)))
    path = write_glb(av, values, 25.0, tmp_path / f'{name}.glb')
    summary = check_glb(path)
    assert summary['morph_targets'] == len(av.controls) and summary['frames'] == 10
    assert summary['duration'] == pytest.approx(9 / 25)
    gltf, _ = read_glb(path)
    assert gltf['meshes'][0]['extras']['targetNames'] == av.controls
    # every rig is linearised somewhere; the human only where its teeth turn with the jaw
    ex = gltf['asset']['extras']
    assert ex['linearised'] and (name != 'human' or ex['linearisationError'] < 0.1)
    report = khronos(path)
    errors = [m for m in report['issues']['messages'] if m['severity'] == 0]
    assert report['issues']['numErrors'] == 0, errors
    assert report['info']['hasMorphTargets'] and report['info']['animationCount'] == 1


def test_validator_catches_a_broken_file(tmp_path):
    "The validator is really looking: a wrong POSITION max is an error."
    av = get_avatar('toon')
    path = write_glb(av, np.zeros((2, 9)), 30, tmp_path / 'ok.glb')
    gltf, data = read_glb(path)
    gltf['accessors'][0]['max'][0] += 1
    (tmp_path / 'bad.glb').write_bytes(glb_bytes(gltf, data))
    with pytest.raises(InputError, match='POSITION max is wrong'):
        check_glb(tmp_path / 'bad.glb')
    codes = [m['code'] for m in khronos(tmp_path / 'bad.glb')['issues']['messages']]
    assert 'ACCESSOR_MAX_MISMATCH' in codes
