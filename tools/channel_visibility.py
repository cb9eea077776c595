#!/usr/bin/env python
"""Why some expression channels stay unreadable (#29): how much each channel changes a frontal
actor's crop, and what a linear read-out recovers from the encoder's pooled features, from all its
patch tokens, from the untuned MAE's tokens and from the pixels themselves.

.venv/bin/python tools/channel_visibility.py [--encoder data/weights/expression.pt]  # ~3 min

The read-outs are ridge regressions (dual form, features standardised) fitted on 3,000 training
actors and scored on the probe's 800 held-out actors (`64_probe`), at the ridge weight that reads
most channels. Not part of the package; the lab note *Why eight channels stay unreadable* quotes it.
"""

from __future__ import annotations
import argparse
import warnings
import cv2
import numpy as np
import torch
import torch.nn.functional as F
from freeavatar.actors import render_actor, identity_ids
from freeavatar.animator_data import pearson
from freeavatar.arkit import EXPRESSIONS
from freeavatar.assets import default_weights
from freeavatar.datasets import DataConfig, make_dataset
from freeavatar.expression import ExpressionEncoder
from freeavatar.mae import to_input

RIDGES = (10.0, 100.0, 1000.0, 10000.0)


def pixel_change(n_ids: int = 3, size: int = 112) -> dict:
    "Mean and max |grey change| of a frontal, plain-lit crop when one channel goes 0 -> 1."
    out = {c: [] for c in EXPRESSIONS}
    for i in identity_ids('train')[:n_ids]:
        grey = lambda e: render_actor(i, e, size, augment=False)[0].astype(np.float32).mean(-1)
        base = grey(np.zeros(len(EXPRESSIONS), np.float32))
        for j, c in enumerate(EXPRESSIONS):
            e = np.zeros(len(EXPRESSIONS), np.float32)
            e[j] = 1
            d = np.abs(grey(e) - base)
            out[c].append((d.mean(), d.max()))
    return {c: tuple(np.mean(v, 0).round(2)) for c, v in out.items()}


def ridge(F_tr: np.ndarray, Y_tr: np.ndarray, lam: float):
    "Dual-form ridge (N x N solve, so features may outnumber faces): features -> predictions."
    mu, sd = F_tr.mean(0), F_tr.std(0) + 1e-6
    X = ((F_tr - mu) / sd).astype(np.float64)
    A = np.linalg.solve(X @ X.T + lam * np.eye(len(X)), Y_tr - Y_tr.mean(0))
    return lambda Fx: (((Fx - mu) / sd) @ X.T) @ A + Y_tr.mean(0)


def best_readout(F_tr, Y_tr, F_ho, Y_ho) -> dict:
    "Per-channel r at the ridge weight that reads most channels at r >= 0.5."
    best = None
    for lam in RIDGES:
        P = ridge(F_tr, Y_tr, lam)(F_ho)
        r = {c: round(pearson(P[:, j], Y_ho[:, j]), 3) for j, c in enumerate(EXPRESSIONS)}
        key = (sum(v >= 0.5 for v in r.values()), np.mean(list(r.values())))
        if best is None or key > best[0]:
            best = (key, lam, r)
    return {
        'readable': int(best[0][0]),
        'mean_r': round(float(best[0][1]), 3),
        'ridge': best[1],
        'r': best[2],
    }


def tokens(enc: ExpressionEncoder, images: np.ndarray) -> np.ndarray:
    "Every patch token of the ViT, layer-normalised, concatenated (no learnt pooling)."
    out = []
    enc.eval()
    with torch.no_grad():
        for i in range(0, len(images), 128):
            t = enc.encoder.forward_features(to_input(images[i : i + 128], enc.cfg.img_size))[0]
            out.append(F.layer_norm(t, t.shape[-1:]).flatten(1).numpy())
    return np.concatenate(out)


def pixels(images: np.ndarray, side: int = 56) -> np.ndarray:
    "Grey crops at `side` px, flattened."
    g = lambda im: cv2.resize(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY), (side, side))
    return np.stack([g(im).reshape(-1) / 255.0 for im in images])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--encoder', default=None, help='default: data/weights/expression.pt')
    a = p.parse_args(argv)
    warnings.simplefilter('ignore')
    torch.set_num_threads(2)
    W = default_weights()
    enc = ExpressionEncoder.load(a.encoder or W / 'expression.pt')
    mae = ExpressionEncoder.from_mae(W / 'mae.pt')
    dc = DataConfig(size=enc.cfg.img_size)
    tr = make_dataset('actors', 'train', 3000, dc.size, dc.seed, augment=dc.augment)
    ho = make_dataset('actors', 'heldout', 800, dc.size, dc.seed, augment=dc.augment)
    views = {
        'pooled feature f (the animator reads this)': enc.features,
        'all patch tokens of the tuned ViT': lambda x: tokens(enc, x),
        'all patch tokens of the untuned MAE': lambda x: tokens(mae, x),
        'grey pixels, 56 px': pixels,
    }
    res = {k: best_readout(f(tr.images), tr.expr, f(ho.images), ho.expr) for k, f in views.items()}
    change = pixel_change(size=dc.size)
    names = list(res)
    print('| channel | mean / max grey change, 0 -> 1 | ' + ' | '.join(names) + ' |')
    print('|---|---|' + '---|' * len(names))
    for c in sorted(EXPRESSIONS, key=lambda c: res[names[0]]['r'][c]):
        cells = ' | '.join(f"{res[k]['r'][c]:.2f}" for k in names)
        print(f"| {c} | {change[c][0]:.2f} / {change[c][1]:.0f} | {cells} |")
    foot = ' | '.join(f"{res[k]['readable']} (mean r {res[k]['mean_r']:.2f})" for k in names)
    print(f"| channels at r >= 0.5 | | {foot} |")
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
