"""The shipped weights (`data/weights/`, written by `freeavatar train --preset cpu --ship
data/weights`): hashes, strict load, figures."""

import json
from conftest import ROOT

W = ROOT / 'data' / 'weights'


def manifest() -> dict:
    return json.loads((W / 'manifest.json').read_text())


def test_manifest_hashes_match_the_files():
    from freeavatar.assets import sha256_file

    m = manifest()
    assert set(m['files']) == {
        'mae.pt',
        'expression.pt',
        'reader.pt',
        'animator.pt',
        'renderer_human.pt',
        'renderer_toon.pt',
        'renderer_creature.pt',
    }
    for name, f in m['files'].items():
        assert sha256_file(W / name) == f['sha256'], f"{name}: sha256 differs from manifest.json"
        assert (W / name).stat().st_size == f['bytes']


def test_weights_load_strictly_and_meet_their_manifest():
    """A small held-out batch (the first 200 held-out actors of the manifest's set) is within 0.02
    of the stored rig error."""
    from freeavatar.animator import Animator
    from freeavatar.animator_data import face_rows
    from freeavatar.animator_data import rig_report
    from freeavatar.neural_renderer import NeuralRenderer
    from freeavatar.datasets import DataConfig

    anim = Animator.load(W)
    m = manifest()
    for av in anim.avatars:
        NeuralRenderer.load(W / f"renderer_{av.name}.pt", av)
    held = face_rows(
        anim.encoder, 'actors', 'heldout', m['metrics']['n_heldout'], DataConfig.preset(m['preset'])
    )
    for av in anim.avatars:
        got = rig_report(
            anim.predict_features(held.F[:200], av.name), av.semantic(held.E[:200]), av.controls
        )['mae']
        assert got <= m['metrics']['rig_mae'][av.name] + 0.02, (
            av.name,
            got,
            m['metrics']['rig_mae'][av.name],
        )
