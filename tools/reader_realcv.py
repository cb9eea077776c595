#!/usr/bin/env python
"""Does a region reader taught on the training clip's real frames too keep the real jaw? (#29)

.venv/bin/python tools/reader_realcv.py out/exp/reader_realcv --share 0.125   # ~25 min
.venv/bin/python tools/reader_realcv.py out/exp/reader_realcv --share 0        # the control

`decoder-reader-16k-realcv` found that a region reader trained on rendered actors only, its
outputs beside the encoder's features, costs the rig decoder the real jaw on training-clip frames
it did not see (jawOpen r 0.15 against 0.53 without the reader). Here the reader also trains on
the training clip's labelled real frames (MediaPipe's reading, all 25 channels), a share `--share`
of every batch. So that no frame leaks, everything that sees real frames is trained once per fold:
the training clip is cut into K consecutive blocks (`decoder_variants.real_blocks`); for each
block the reader trains without it, the decoder (`decoder_variants.run`, the package's `cpu`
recipe with its render-row dropout) trains on the encoder's features and this reader's outputs
without that block's real rows, and both predict the block. `realcv` is each key channel's r
against MediaPipe over the whole clip so predicted, as in `decoder_variants --real-folds`;
`reader_realcv` the reader's own. The rig and face figures are the folds' mean; `reader_val` and
`reader_heldout` the reader's channels on the probe's faces (does the real share cost the
synthetic reading?).

The encoder's features come from `decoder_variants`'s cache (OUT_DV/rows.npz, the shipped encoder;
run that tool once first); the same rows' images are made again here (OUT/images.npz, ~700 MB)
and checked against that cache's row counts. `--share 0` trains one reader for every fold. Each
fold's reader is kept in OUT/readers/, so that another `--decoder-seed` (the decoders' spread)
costs only the decoders. Writes OUT/results.jsonl. Not part of the package.
"""

from __future__ import annotations
import argparse
import json
import time
import warnings
from pathlib import Path
import numpy as np
import torch
from freeavatar.animator_data import REAL_CHANNELS, pearson
from freeavatar.arkit import EXPRESSIONS
from freeavatar.avatars import load_avatars
from freeavatar.datasets import DataConfig, make_dataset
from freeavatar.expression import ExpressionEncoder
from freeavatar.neural_renderer_train import reference_renders
from freeavatar.probe import probe_faces
from freeavatar.assets import default_weights
from freeavatar.run_config import RunConfig
from decoder_variants import fold_mean, real_blocks, report, run
from region_reader import load_reader, save_reader
from region_resolution import boxes, predict, summary, train_arm


def row_images(out: Path, avatars: list, dc: DataConfig, n_refs: int, seed: int) -> dict:
    """The images of `decoder_variants.cached_rows`' rows, in its order: the rig rows as
    `render_rows` makes them, then the training clip, held-out and validation faces, held-out
    clips. Cached in OUT/images.npz."""
    path = out / 'images.npz'
    if path.exists():
        return dict(np.load(path))
    ims = [reference_renders(av, n_refs, dc.size, seed)[0] for av in avatars]
    names = [av.name for av in avatars]
    for space in ('full', 'shared'):
        ds = make_dataset('avatars', 'train', dc.n_avatars, dc.size, dc.seed, space=space)
        ims.append(ds.images[np.isin(ds.domain, names)])
    d = {
        'F': np.concatenate(ims),
        'real_F': make_dataset('real', 'train', None, dc.size, dc.seed, augment=dc.augment).images,
        'held_F': probe_faces(dc, 'heldout', dc.n_heldout).images,
        'val_F': probe_faces(dc, 'val', dc.n_heldout).images,
        'clip_F': make_dataset('real', 'heldout', None, dc.size, dc.seed).images,
    }
    np.savez(path, **d)
    return d


def train_reader(actors, real_X: dict, real_E: np.ndarray, share: float, steps: int, seed: int):
    """The box reader on the actors and (a `share` of each batch) the given real frames; its
    outputs' mean and spread on the actors standardise them."""
    X = {k: torch.cat([actors['X'][k], real_X[k]]) for k in actors['X']} if share else actors['X']
    E = np.concatenate([actors['E'], real_E]) if share else actors['E']
    n_a = len(actors['E'])
    p = None
    if share:
        p = np.r_[np.full(n_a, (1 - share) / n_a), np.full(len(real_E), share / len(real_E))]
    net = train_arm(X, E, steps, 64, seed, p=p)
    P = predict(net, actors['X'])
    return net, P.mean(0), P.std(0) + 1e-6


def channels(P: np.ndarray, E: np.ndarray) -> dict:
    "`summary` of each channel's r, outputs `P` against expressions `E`."
    return summary({c: float(pearson(P[:, j], E[:, j])) for j, c in enumerate(EXPRESSIONS)})


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', type=Path)
    p.add_argument('--share', type=float, default=0.125, help='real frames a batch (0: none)')
    p.add_argument('--folds', type=int, default=4)
    p.add_argument('--faces', type=int, default=16000, help='training actors')
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--dv', type=Path, default=Path('out/decoder_variants'), help='OUT_DV')
    p.add_argument('--decoder-seed', type=int, default=0)
    p.add_argument('--name', default=None)
    a = p.parse_args(argv)
    if not 0 <= a.share < 1:
        raise SystemExit(f"--share must be in [0, 1), got {a.share}")
    torch.set_num_threads(2)
    warnings.simplefilter('ignore')
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    cpu = RunConfig.from_preset('cpu')
    dc, avatars = cpu.data, list(load_avatars().values())
    feats = dict(np.load(a.dv / 'rows.npz'))
    ims = row_images(a.out, avatars, dc, cpu.animator.n_refs, cpu.renderer.seed)
    for k, v in ims.items():
        if len(v) != len(feats[k]):
            raise SystemExit(f"{a.dv / 'rows.npz'}: {k} has {len(feats[k])} rows, images {len(v)}")
    tr = make_dataset('actors', 'train', a.faces, dc.size, dc.seed, augment=dc.augment)
    actors = {'X': boxes(tr.images, 'upsampled'), 'E': tr.expr}
    box = {k: boxes(v, 'upsampled') for k, v in ims.items()}
    print(f"images and boxes, {(time.time() - t0) / 60:.1f} min", flush=True)
    enc = ExpressionEncoder.load(default_weights() / 'expression.pt')
    n_real = len(feats['real_F'])
    a_h = [av.name for av in avatars].index('human')
    hc = avatars[a_h].controls
    P_dec = np.zeros((n_real, len(REAL_CHANNELS)), np.float32)
    P_read = np.zeros((n_real, len(EXPRESSIONS)), np.float32)
    runs, readers, reader = [], [], None
    for i, block in enumerate(real_blocks(n_real, a.folds)):
        keep = np.setdiff1d(np.arange(n_real), block)
        if a.share or reader is None:
            fold = f'-fold{i}of{a.folds}' if a.share else ''
            path = a.out / 'readers' / f'share{a.share:g}-faces{a.faces}-steps{a.steps}{fold}.pt'
            if path.exists():  # a fold's reader is trained once: other decoder seeds reuse it
                reader = load_reader(path)
            else:
                real_X = {k: v[keep] for k, v in box['real_F'].items()}
                reader = train_reader(actors, real_X, feats['real_E'][keep], a.share, a.steps, 0)
                save_reader(path, *reader)
        net, mean, std = reader
        out = {k: ((predict(net, box[k]) - mean) / std).numpy() for k in box}
        d = feats | {k: np.hstack([feats[k], out[k]]) for k in box}
        # the raw outputs (each fold's reader standardises by its own mean and spread)
        P_read[block] = out['real_F'][block] * std.numpy() + mean.numpy()
        sub = d | {'real_F': d['real_F'][keep], 'real_E': d['real_E'][keep]}
        cfg = dict(feat_dropout=0.35, seed=a.decoder_seed)
        res, dec = run(f'fold{i}', sub, enc, avatars, decoder=True, set=cfg)
        with torch.no_grad():
            pr = dec(torch.from_numpy(d['real_F'][block]), torch.full((len(block),), a_h)).numpy()
        P_dec[block] = pr[:, [hc.index(c) for c in REAL_CHANNELS]]
        runs.append(res)
        if a.share or not readers:
            readers.append({s: channels(out[s + '_F'], feats[s + '_E']) for s in ('val', 'held')})
        print(f"fold {i}: {(time.time() - t0) / 60:.1f} min", json.dumps(res)[:300], flush=True)
    E = feats['real_E']
    cv = {
        c: round(float(pearson(P_dec[:, j], E[:, EXPRESSIONS.index(c)])), 3)
        for j, c in enumerate(REAL_CHANNELS)
    }
    rcv = {
        c: round(float(pearson(P_read[:, EXPRESSIONS.index(c)], E[:, EXPRESSIONS.index(c)])), 3)
        for c in REAL_CHANNELS
    }
    res = {
        'name': a.name or f'reader-real-share{a.share:g}-seed{a.decoder_seed}',
        'decoder_seed': a.decoder_seed,
        'share': a.share,
        'faces': a.faces,
        'steps': a.steps,
        'folds': a.folds,
        'real_folds': a.folds,  # as decoder_variants --real-folds names it
        **fold_mean(runs),
        # fold 0's decoder's, per channel (the figures above are the folds' mean)
        'heldout_r': runs[0]['heldout_r'],
        'real_pooled': runs[0]['real_pooled'],
        'realcv': cv,
        'realcv_mean': round(float(np.mean(list(cv.values()))), 3),
        'reader_realcv': rcv,
        'reader_val': [r['val'] for r in readers],
        'reader_heldout': [r['held'] for r in readers],
        'minutes': round((time.time() - t0) / 60, 1),
    }
    report(res, a.out)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
