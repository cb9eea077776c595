#!/usr/bin/env python
"""Is identity what hides the weak channels? (#29) The probe's linear read-out (`64_probe`) of the
shipped encoder's features, against the same read-out of the features *minus those of the same
identity's neutral face* (and of both side by side).

.venv/bin/python tools/neutral_probe.py [--encoder data/weights/expression.pt]   # about 2 minutes

Also: the sideways jaw read as what the rig renders, the net shift jawLeft - jawRight (the
sampler's symmetric pairs set both sides at once, which renders no shift at all: is that label
what hides the jaw?).

Two kinds of neutral reference: 'frontal' (the identity at rest, frontal, no nuisances: a clean
calibration frame) and 'random' (the identity at rest under the actors' own pose, light and
camera nuisances: a calibration frame as a webcam would give it). Fitted on 3,000 training actors,
scored on the probe's 800 validation faces. Not part of the package; the lab note *Why eight
channels stay unreadable* quotes it.
"""

from __future__ import annotations
import argparse
import numpy as np
import torch
from freeavatar.actors import render_actor
from freeavatar.animator_data import pearson
from freeavatar.arkit import EXPRESSIONS
from freeavatar.assets import default_weights
from freeavatar.datasets import DataConfig, make_dataset
from freeavatar.expression import ExpressionEncoder
from freeavatar.probe import probe_faces, readout


def neutral_features(enc, faces, mode: str, augment: float, seed: int) -> np.ndarray:
    "Features of each face's identity at rest: 'frontal' (one clean render) or 'random' (each own)."
    rng = np.random.default_rng(seed)
    rest = np.zeros(len(EXPRESSIONS), np.float32)
    if mode == 'frontal':
        ids = np.unique(faces.identity)
        F = enc.features(np.stack([render_actor(int(i), rest, 112, augment=False)[0] for i in ids]))
        return F[np.searchsorted(ids, faces.identity)]
    imgs = [render_actor(int(i), rest, 112, rng, augment=augment)[0] for i in faces.identity]
    return enc.features(np.stack(imgs))


def channel_r(F_tr, Y_tr, F_va, Y_va) -> dict:
    "Each channel's r of the ridge read-out fitted on (F_tr, Y_tr), scored on (F_va, Y_va)."
    P = readout(F_tr, Y_tr)(F_va)
    return {c: round(pearson(P[:, j], Y_va[:, j]), 3) for j, c in enumerate(EXPRESSIONS)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--encoder', default=None, help='default: the shipped expression.pt')
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    enc = ExpressionEncoder.load(a.encoder or default_weights() / 'expression.pt')
    dc = DataConfig()
    tr = make_dataset('actors', 'train', 3000, 112, dc.seed, augment=dc.augment)
    va = probe_faces(dc, 'val', 800)
    Ftr, Fva = enc.features(tr.images), enc.features(va.images)
    views = {'features': (Ftr, Fva)}
    for mode in ('frontal', 'random'):
        Ntr = neutral_features(enc, tr, mode, dc.augment, 1)
        Nva = neutral_features(enc, va, mode, dc.augment, 2)
        views[f'minus {mode} neutral'] = (Ftr - Ntr, Fva - Nva)
        views[f'both, {mode}'] = (np.hstack([Ftr, Ftr - Ntr]), np.hstack([Fva, Fva - Nva]))
    for name, (A, B) in views.items():
        r = channel_r(A, tr.expr, B, va.expr)
        weak = {k: v for k, v in r.items() if v < 0.5}
        print(
            f"{name}: {len(r) - len(weak)} channels at r >= 0.5, mean r "
            f"{np.mean(list(r.values())):.3f}; under 0.5: {weak}",
            flush=True,
        )
    net = lambda E: E[:, [EXPRESSIONS.index('jawLeft')]] - E[:, [EXPRESSIONS.index('jawRight')]]
    r = pearson(readout(Ftr, net(tr.expr))(Fva)[:, 0], net(va.expr)[:, 0])
    print(f"the jaw's net shift (jawLeft - jawRight) from the features: r {r:.3f}", flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
