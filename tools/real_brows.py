#!/usr/bin/env python
"""What the real brows' r measures (#29): the shipped animator's inner brows on each held-out clip
beside linear read-outs of the same features, how far each reading moves, and what a pure smile
does to the brows on rendered faces.

.venv/bin/python tools/real_brows.py        # seconds, with tools/decoder_variants.py's cache

Prints, per held-out clip: browInnerUp r against MediaPipe for the shipped decoder and for ridge
read-outs fitted on the decoder's own render rows (with and without the training clip's real
frames); the mean of each reading on the clip's least and most smiling fifth of frames; and the
shipped decoder's browInnerUp on 40 held-out actors rendered with a pure smile. Reads the rows
cached by `tools/decoder_variants.py` (run it once first). Not part of the package; the lab note
*What the real brows' r measures* was made with it.
"""

from __future__ import annotations
import argparse
from pathlib import Path
import numpy as np
import torch
from freeavatar.actors import identity_ids, render_actor
from freeavatar.animator import load_animator
from freeavatar.animator_data import Rows, pearson, with_cross
from freeavatar.arkit import EXPRESSIONS
from freeavatar.assets import default_weights
from freeavatar.probe import readout

BROW, SMILE = EXPRESSIONS.index('browInnerUp'), EXPRESSIONS.index('mouthSmileLeft')


def ridge_human(d: dict, avatars: list, real_copies: int) -> np.ndarray:
    """A ridge read-out of the human's controls fitted on the decoder's render rows for the human
    (its own and the other avatars' cross rows), plus `real_copies` copies of the training clip's
    MediaPipe-labelled frames; its predictions on the held-out clips."""
    z = np.zeros((len(d['F']), 1), np.float32)
    cross = with_cross(Rows(d['F'], z, d['k'], d['C'], d['E']), avatars)
    hu = [a.name for a in avatars].index('human')
    m = cross.k == hu
    n = len(avatars[hu].controls)
    F = np.concatenate([cross.F[m]] + [d['real_F']] * real_copies)
    C = np.concatenate([cross.C[m][:, :n]] + [avatars[hu].semantic(d['real_E'])] * real_copies)
    return readout(F, C)(d['clip_F'])


def per_clip(d: dict, readings: dict) -> None:
    "browInnerUp r of each reading against MediaPipe, and its means at rest and smiling, per clip."
    E = d['clip_E']
    for clip in sorted(set(d['clip'].tolist())):
        m = d['clip'] == clip
        s = E[m, SMILE]
        rest, smile = s <= np.quantile(s, 0.2), s >= np.quantile(s, 0.8)
        print(f"\n{clip}: {int(m.sum())} frames; MediaPipe's browInnerUp at rest / smiling "
              f"{E[m, BROW][rest].mean():.2f} / {E[m, BROW][smile].mean():.2f}")  # fmt: skip
        for name, P in readings.items():
            b = P[m, BROW]
            print(f"  {name:34s} r {pearson(b, E[m, BROW]):+.2f}   with the smile "
                  f"{pearson(b, s):+.2f}   at rest / smiling {b[rest].mean():.2f} / "
                  f"{b[smile].mean():.2f}")  # fmt: skip


def smile_on_actors(anim, n: int = 40, seed: int = 0) -> None:
    "The shipped decoder's browInnerUp on held-out actors rendered with a pure smile of each level."
    rng = np.random.default_rng(seed)
    ids = identity_ids('heldout')[:n]
    hc = anim.avatars[anim.index('human')].controls
    print(f"\n{n} held-out actors, a pure smile (mouthSmileLeft = mouthSmileRight):")
    for level in (0.0, 0.5, 1.0):
        e = np.zeros(len(EXPRESSIONS), np.float32)
        e[SMILE] = e[EXPRESSIONS.index('mouthSmileRight')] = level
        ims = np.stack([render_actor(int(i), e, 112, rng, augment=0.5)[0] for i in ids])
        P = anim.predict_features(anim.encoder.features(ims), 'human')
        print(f"  smile {level:.1f}: browInnerUp {P[:, hc.index('browInnerUp')].mean():.3f}, "
              f"mouthSmileLeft {P[:, hc.index('mouthSmileLeft')].mean():.3f}")  # fmt: skip


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--rows', type=Path, default=Path('out/decoder_variants/rows.npz'))
    p.add_argument('--weights', type=Path, default=None, help='default: data/weights')
    a = p.parse_args(argv)
    if not a.rows.exists():
        raise SystemExit(f"{a.rows}: no cached rows; run tools/decoder_variants.py base first")
    torch.set_num_threads(2)
    d = dict(np.load(a.rows))
    anim = load_animator(a.weights or default_weights())
    avatars = anim.avatars
    hc = avatars[anim.index('human')].controls
    shipped = anim.predict_features(d['clip_F'], 'human')
    order = [hc.index(c) for c in EXPRESSIONS]  # the human's controls are the ARKit channels
    readings = {
        'shipped decoder': shipped[:, order],
        'ridge on its render rows': ridge_human(d, avatars, 0)[:, order],
        'ridge on render rows + real frames': ridge_human(d, avatars, 1)[:, order],
    }
    per_clip(d, readings)
    smile_on_actors(anim)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
