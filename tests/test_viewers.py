"""The files we write open in the tools an animator uses (#30): three.js (its own `GLTFLoader`,
under node) and Blender (its own glTF importer, through the `bpy` module), with every morph target
by name and our animation's keyframes as written.

Three files: a built-in avatar's glb (our writer), the user's own file with our animation added
(`add_animation` on the toon's export, as `retarget` writes a user avatar's), and a third-party
file (Khronos's AnimatedMorphCube, a .gltf + .bin from another exporter, its targets unnamed) with
our animation added. Without node and three (`make validator`) or Blender (`make blender`) the
tests skip and say what is missing; `.ci/run` installs both and sets
`FREEAVATAR_VIEWERS_REQUIRED=1`, which turns a skip into an error.
"""

import json
import os
import shutil
import subprocess
import numpy as np
import pytest
from conftest import ROOT
from freeavatar.avatars import get_avatar
from freeavatar.gltf import write_glb
import freeavatar.user_avatars as U

NPM_DIR, BLENDER = ROOT / '.venv' / 'gltf-validator', ROOT / '.venv' / 'blender' / 'bin' / 'python'
REQUIRED = os.environ.get('FREEAVATAR_VIEWERS_REQUIRED') == '1'
FPS = 30


def missing(what: str):
    "Skip, or fail where CI asked for the viewers."
    (pytest.fail if REQUIRED else pytest.skip)(what)


def three(path) -> dict:
    "What three.js's GLTFLoader makes of `path` (tests/load_three.mjs's JSON)."
    node = shutil.which('node')
    if node is None or not (NPM_DIR / 'node_modules' / 'three').is_dir():
        missing(f"three.js needs node and `three` in {NPM_DIR}: run `make validator` (needs npm)")
    cmd = [node, str(ROOT / 'tests' / 'load_three.mjs'), str(path), str(NPM_DIR)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def blender(path) -> dict:
    "What Blender's glTF importer makes of `path` (tests/open_in_blender.py's JSON)."
    if not BLENDER.is_file():
        missing(f"Blender's bpy is not installed in {BLENDER.parent.parent}: run `make blender`")
    cmd = [str(BLENDER), str(ROOT / 'tests' / 'open_in_blender.py'), str(path)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    line = [x for x in r.stdout.splitlines() if x.startswith('FREEAVATAR-JSON ')]
    assert line, r.stdout[-2000:]
    return json.loads(line[-1].split(' ', 1)[1])


def weights(n: int, T: int = 7, seed: int = 0) -> np.ndarray:
    "(T, n) morph weights in [0, 1], every one different."
    return np.random.default_rng(seed).random((T, n)).astype(np.float32)


@pytest.fixture(scope='module')
def files(tmp_path_factory) -> dict:
    "{case: (path, morph target names or None if unnamed, weights, animation name)}"
    from freeavatar.assets import fetch_assets

    d = tmp_path_factory.mktemp('viewers')
    human, toon = get_avatar('human'), get_avatar('toon')
    Wh, Wt = weights(len(human.controls)), weights(len(toon.controls), seed=1)
    src = write_glb(toon, np.zeros((1, len(toon.controls)), np.float32), FPS, d / 'toon.glb')
    cube = fetch_assets(['AnimatedMorphCube.gltf', 'AnimatedMorphCube.bin'])
    Wc = weights(2, seed=2)
    return {
        'built-in': (write_glb(human, Wh, FPS, d / 'human.glb'), human.controls, Wh, 'controls'),
        'user file': (
            U.add_animation(src, Wt, FPS, d / 'me.glb', 0),
            toon.controls,
            Wt,
            'freeavatar',
        ),
        'third party': (
            U.add_animation(cube['AnimatedMorphCube.gltf'], Wc, FPS, d / 'cube.glb', 0),
            None,
            Wc,
            'freeavatar',
        ),
    }


CASES = ['built-in', 'user file', 'third party']


@pytest.mark.parametrize('case', CASES)
def test_three_js_reads_names_and_keyframes(files, case):
    path, names, W, anim = files[case]
    r = three(path)
    mesh = max(r['meshes'], key=lambda m: m['morph_targets'])
    assert mesh['morph_targets'] == W.shape[1]
    if names is not None:  # three names a target by its glTF name, else by its index
        assert sorted(mesh['names'], key=mesh['names'].get) == names
    ours = [a for a in r['animations'] if a['name'] == anim]
    assert len(ours) == 1, [a['name'] for a in r['animations']]
    (track,) = ours[0]['tracks']
    assert track['name'].endswith('.morphTargetInfluences')
    np.testing.assert_allclose(track['times'], np.arange(len(W)) / FPS, atol=1e-6)
    np.testing.assert_allclose(np.reshape(track['values'], W.shape), W, atol=1e-6)


@pytest.mark.parametrize('case', CASES)
def test_blender_reads_shape_keys_and_keyframes(files, case):
    path, names, W, anim = files[case]
    r = blender(path)
    mesh = max(r['meshes'], key=lambda m: len(m['shape_keys']))
    assert len(mesh['shape_keys']) == W.shape[1]
    if names is not None:
        assert mesh['shape_keys'] == names
    ours = [a for a in r['actions'] if a.startswith(anim)]
    assert len(ours) == 1, list(r['actions'])
    curves = r['actions'][ours[0]]
    for j, key in enumerate(mesh['shape_keys']):  # one curve per shape key, a keyframe per frame
        frames, values = np.array(curves[key]).T
        np.testing.assert_allclose(frames / r['fps'], np.arange(len(W)) / FPS, atol=1e-4)
        np.testing.assert_allclose(values, W[:, j], atol=1e-6)
