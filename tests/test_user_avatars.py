"""Your own avatar (#30): `freeavatar avatar add/list/remove`, driving it, its animation in its own
file, and one clear line (exit 2, nothing half-written) for every bad file."""

import csv
import os
import numpy as np
import pygltflib
import pytest
from freeavatar.avatars import get_avatar
from freeavatar.core import InputError
from freeavatar.gltf import write_glb
from freeavatar.retarget import DEMO_CLIP
from freeavatar.assets import fetch
import freeavatar.user_avatars as U
from test_gltf import khronos


def morph_glb(path, n_targets: int, sparse: bool = False):
    "A one-triangle-strip glb with `n_targets` morph targets (0: none) named t0, t1, ..."
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], np.float32)
    f = np.array([0, 1, 2, 2, 1, 3], np.uint16)
    blob = bytearray(v.tobytes() + f.tobytes())
    views = [
        pygltflib.BufferView(buffer=0, byteOffset=0, byteLength=48),
        pygltflib.BufferView(buffer=0, byteOffset=48, byteLength=12),
    ]
    acc = [
        pygltflib.Accessor(
            bufferView=0, componentType=5126, count=4, type='VEC3', min=[0, 0, 0], max=[1, 1, 0]
        ),
        pygltflib.Accessor(bufferView=1, componentType=5123, count=6, type='SCALAR'),
    ]
    targets = []
    for t in range(n_targets):
        d = np.zeros((4, 3), np.float32)
        d[3, 2] = 0.1 * (t + 1)
        views.append(pygltflib.BufferView(buffer=0, byteOffset=len(blob), byteLength=48))
        blob += d.tobytes()
        acc.append(
            pygltflib.Accessor(
                bufferView=len(views) - 1,
                componentType=5126,
                count=4,
                type='VEC3',
                min=d.min(0).tolist(),
                max=d.max(0).tolist(),
            )
        )
        targets.append({'POSITION': len(acc) - 1})
    prim = pygltflib.Primitive(attributes=pygltflib.Attributes(POSITION=0), indices=1)
    prim.targets = targets
    extras = {'targetNames': [f"t{i}" for i in range(n_targets)]} if n_targets else {}
    g = pygltflib.GLTF2(
        scene=0,
        scenes=[pygltflib.Scene(nodes=[0])],
        nodes=[pygltflib.Node(mesh=0)],
        meshes=[pygltflib.Mesh(primitives=[prim], extras=extras)],
        accessors=acc,
        bufferViews=views,
        buffers=[pygltflib.Buffer(byteLength=len(blob))],
    )
    g.set_binary_blob(bytes(blob))
    g.save_binary(str(path))
    return path


@pytest.fixture
def home(tmp_path, monkeypatch):
    "A private FREEAVATAR_HOME, for this process and the commands it runs."
    monkeypatch.setenv('FREEAVATAR_HOME', str(tmp_path / 'home'))
    return tmp_path / 'home' / 'avatars'


def test_bad_files_are_one_line_and_leave_nothing(run, tmp_path, home):
    txt = tmp_path / 'notes.glb'
    txt.write_text('hello')
    flat = morph_glb(tmp_path / 'flat.glb', 0)
    cases = [
        (txt, "not a glTF 2.0 file"),
        (flat, "has no morph targets in any of its 1 meshes"),
        (tmp_path / 'missing.glb', "no such file"),
    ]
    for path, msg in cases:
        r = run('freeavatar', 'avatar', 'add', str(path), '--name', 'mine', '--preset', 'tiny')
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and msg in lines[0], r.stderr
        assert not home.exists() or not any(home.iterdir())  # nothing half-written
    r = run('freeavatar', 'avatar', 'add', str(flat), '--name', 'human', '--preset', 'tiny')
    assert r.returncode == 2 and "built-in avatar's name" in r.stderr
    r = run('freeavatar', 'avatar', 'remove', 'nobody')
    assert r.returncode == 2 and 'nobody: unknown avatar' in r.stderr


def test_limits_are_named(tmp_path, home, monkeypatch):
    path = morph_glb(tmp_path / 'five.glb', 5)
    monkeypatch.setattr(U, 'MAX_TARGETS', 4)
    with pytest.raises(InputError, match='has 5 morph targets; at most 4 can be driven'):
        U.import_avatar(path, 'five')
    monkeypatch.setattr(U, 'MAX_TARGETS', 96)
    monkeypatch.setattr(U, 'MAX_VERTICES', 3)
    with pytest.raises(InputError, match='4 vertices; at most 3 can be rendered'):
        U.import_avatar(path, 'five')
    assert not home.exists() or not any(home.iterdir())


def test_a_small_foreign_file_reads(tmp_path, home):
    "Names from targetNames, displacements as written, framed on the moved vertex."
    av = U.import_avatar(morph_glb(tmp_path / 'quad.glb', 3), 'quad')
    assert av.controls == ['t0', 't1', 't2'] and not av.has_semantic
    np.testing.assert_allclose(av.targets[:, 3, 2], [0.1, 0.2, 0.3], rtol=1e-6)
    assert av.render({'t2': 1}, size=32).shape == (32, 32, 3)


def test_round_trip_drive_and_export(run, tmp_path, home):
    """The human, exported by the project and added back (tiny preset), drives from the packaged
    clip; its CSV has its morph names, its glb is the source file plus an animation (valid)."""
    human = get_avatar('human')
    src = write_glb(human, np.zeros((1, 25), np.float32), 30, tmp_path / 'me.glb')
    r = run('freeavatar', 'avatar', 'add', str(src), '--preset', 'tiny')
    assert r.returncode == 0, r.stderr
    r = run('freeavatar', 'avatar', 'list')
    assert r.returncode == 0 and r.stdout.startswith('me ') and 'trained' in r.stdout, r.stdout
    r = run('freeavatar', 'avatar', 'add', str(src), '--preset', 'tiny')
    assert r.returncode == 2 and 'me: is already taken' in r.stderr
    out = tmp_path / 'out'
    clip = fetch(DEMO_CLIP)
    r = run(
        'freeavatar',
        'retarget',
        str(clip),
        '--out',
        str(out),
        '--avatars',
        'me,human',
        '--max-frames',
        '12',
        '--formats',
        'csv,gltf',
        '--quiet',
    )
    assert r.returncode == 0, r.stderr
    with open(out / 'me.csv') as f:
        header = next(csv.reader(f))
    assert [h for h in header if h in human.controls] == human.controls
    g, blob = U.open_gltf(out / 'me.glb')
    orig, _ = U.open_gltf(src)
    assert len(g.animations) == len(orig.animations) + 1
    assert g.materials[0].name == orig.materials[0].name  # the user's file, untouched but for it
    W = U.read_accessor(g, blob, g.animations[-1].samplers[0].output).reshape(-1, 25)
    assert W.shape[0] == 12 and (W >= 0).all() and (W <= 1).all() and W.std() > 0
    report = khronos(out / 'me.glb')
    assert report['issues']['numErrors'] == 0, report['issues']['messages'][:5]
    r = run('freeavatar', 'avatar', 'remove', 'me')
    assert r.returncode == 0 and not (home / 'me').exists()
    assert os.environ['FREEAVATAR_HOME'] in r.stdout


def test_a_third_party_gltf_is_added_and_driven(run, tmp_path, home):
    """Khronos's AnimatedMorphCube (Debian's assimp-testmodels: a .gltf + .bin from another
    exporter, unnamed targets) is added, driven from the packaged clip, and written back valid."""
    from freeavatar.assets import fetch_assets

    src = fetch_assets(['AnimatedMorphCube.gltf', 'AnimatedMorphCube.bin'])[
        'AnimatedMorphCube.gltf'
    ]
    r = run('freeavatar', 'avatar', 'add', str(src), '--name', 'cube', '--preset', 'tiny')
    assert r.returncode == 0, r.stderr
    out = tmp_path / 'out'
    r = run(
        'freeavatar',
        'retarget',
        str(fetch(DEMO_CLIP)),
        '--out',
        str(out),
        '--avatars',
        'cube',
        '--max-frames',
        '8',
        '--formats',
        'csv,gltf',
        '--quiet',
    )
    assert r.returncode == 0, r.stderr
    g, blob = U.open_gltf(out / 'cube.glb')
    assert [a.name for a in g.animations] == ['Square', 'freeavatar']  # its own, then ours
    W = U.read_accessor(g, blob, g.animations[-1].samplers[0].output).reshape(-1, 2)
    assert W.shape == (8, 2) and np.isfinite(W).all()
    report = khronos(out / 'cube.glb')
    assert report['issues']['numErrors'] == 0, report['issues']['messages'][:5]


def _vrm(path, ext: dict):
    "`morph_glb`'s two-target quad, its target names removed and `ext` added as extensions."
    morph_glb(path, 2)
    g, _ = U.open_gltf(path)
    g.meshes[0].extras = {}
    g.extensions = ext
    g.extensionsUsed = list(ext)
    g.save_binary(str(path))
    return path


def test_vrm_names_and_facing(tmp_path, home):
    "VRM 0.x names targets by blend shape groups and faces -z (turned round); 1.0 by expressions."
    groups = [
        {'name': 'Joy', 'presetName': 'joy', 'binds': [{'mesh': 0, 'index': 0, 'weight': 100}]},
        {'name': 'Ah', 'presetName': 'a', 'binds': [{'mesh': 0, 'index': 1, 'weight': 100}]},
    ]
    v0 = U.read_morph_mesh(
        _vrm(tmp_path / 'v0.vrm', {'VRM': {'blendShapeMaster': {'blendShapeGroups': groups}}})
    )
    plain = U.read_morph_mesh(morph_glb(tmp_path / 'plain.glb', 2))
    assert v0['vrm'] == '0' and v0['names'] == ['joy', 'a']
    np.testing.assert_allclose(v0['verts'][:, [0, 2]], -plain['verts'][:, [0, 2]])  # turned round y
    np.testing.assert_allclose(v0['targets'][:, :, 2], -plain['targets'][:, :, 2])
    exprs = {'preset': {'happy': {'morphTargetBinds': [{'node': 0, 'index': 1, 'weight': 1.0}]}}}
    v1 = U.read_morph_mesh(_vrm(tmp_path / 'v1.vrm', {'VRMC_vrm': {'expressions': exprs}}))
    assert v1['vrm'] == '1' and v1['names'] == ['morph_0', 'happy']
    np.testing.assert_allclose(v1['verts'], plain['verts'])  # VRM 1.0 already faces +z


def test_sparse_targets_read(tmp_path):
    "A sparse morph target (only the moved vertex stored) reads as the dense one."
    path = morph_glb(tmp_path / 'dense.glb', 1)
    dense = U.read_morph_mesh(path)['targets']
    g, blob = U.open_gltf(path)
    b = bytearray(blob)
    idx, val = np.array([3], np.uint16), np.array([[0, 0, 0.1]], np.float32)
    views = []
    for arr in (idx, val):
        b.extend(b'\0' * (-len(b) % 4))
        g.bufferViews.append(
            pygltflib.BufferView(buffer=0, byteOffset=len(b), byteLength=arr.nbytes)
        )
        b.extend(arr.tobytes())
        views.append(len(g.bufferViews) - 1)
    a = g.accessors[g.meshes[0].primitives[0].targets[0]['POSITION']]
    a.bufferView = None
    a.sparse = pygltflib.Sparse(
        count=1,
        indices=pygltflib.AccessorSparseIndices(bufferView=views[0], componentType=5123),
        values=pygltflib.AccessorSparseValues(bufferView=views[1]),
    )
    g.buffers[0].byteLength = len(b)
    g.set_binary_blob(bytes(b))
    g.save_binary(str(tmp_path / 'sparse.glb'))
    np.testing.assert_allclose(U.read_morph_mesh(tmp_path / 'sparse.glb')['targets'], dense)
