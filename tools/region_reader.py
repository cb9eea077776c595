#!/usr/bin/env python
"""A region reader beside the expression encoder (#29): `region_resolution`'s box CNN trained on
the plain 25-channel regression of many training actors, its reading appended to the encoder's
features so that the rig decoder can use it (`decoder_variants.py --reader`).

.venv/bin/python tools/region_reader.py out/exp/reader16k --faces 16000   # ~5 min (48000: ~8)
.venv/bin/python tools/decoder_variants.py drop0.35-renders --reader out/exp/reader16k/reader.pt \
    --out out/decoder_variants_reader16k

The reader trains on actors as the package renders them (`make_dataset`, 112 px, the training
nuisance strength, seed 0: not the probe's validation faces, seed 1000), and is scored on the
probe's validation and held-out faces. Writes OUT/reader.pt (weights, and the mean and spread of
its outputs on its training faces, which standardise them as features) and OUT/scores.json. Not
part of the package.

`--jaw net` trains and scores on the jaw labels the faces show (`decoder_variants.net_jaw`: the
sampler's jawLeft = jawRight = v renders no sideways shift); `--score-only` scores OUT/reader.pt
as it is under the chosen labels, into OUT/scores_JAW.json.
"""

from __future__ import annotations
import argparse
import json
import time
import warnings
from pathlib import Path
import numpy as np
import torch
import torch.nn as nn
from freeavatar.arkit import EXPRESSIONS
from freeavatar.datasets import DataConfig, make_dataset
from freeavatar.mae import IMAGENET_MEAN, IMAGENET_STD
from freeavatar.probe import probe_faces
from decoder_variants import net_jaw
from region_resolution import BOXES, BoxNet, boxes, per_channel_r, predict, summary, train_arm

N_OUT = 25


def save_reader(path: Path, net: BoxNet, mean: torch.Tensor, std: torch.Tensor, **extra) -> Path:
    "A reader, the mean and spread that standardise its outputs, and its boxes, into `path`."
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {'state_dict': net.state_dict(), 'mean': mean, 'std': std, 'boxes': BOXES} | extra, path
    )
    return path


def load_reader(path: Path) -> tuple[BoxNet, torch.Tensor, torch.Tensor]:
    "A saved reader, and the mean and spread that standardise its outputs."
    ck = torch.load(path, weights_only=True)
    saved = {k: tuple(v) for k, v in ck.get('boxes', BOXES).items()}
    if saved != BOXES:
        raise SystemExit(f"{path}: a reader of other boxes ({saved}, these are {BOXES})")
    net = BoxNet()
    net.load_state_dict(ck['state_dict'])
    return net.eval(), ck['mean'], ck['std']


class Joint(nn.Module):
    """The expression encoder with the reader's standardised 25 outputs appended to its pooled
    features; its embedding is the encoder's own (the head reads the encoder's part)."""

    def __init__(self, enc, reader_path: Path):
        super().__init__()
        self.enc = enc
        self.reader, mean, std = load_reader(reader_path)
        self.register_buffer('mean', mean)
        self.register_buffer('std', std)
        self.cfg, self.emb_dim = enc.cfg, enc.emb_dim
        self.feat_dim = enc.feat_dim + N_OUT

    def forward_features(self, x):
        m = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        s = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        # back to 0-255 pixels, the reader's input
        px = ((x * s + m) * 255).clamp(0, 255).permute(0, 2, 3, 1).numpy().astype(np.uint8)
        with torch.no_grad():
            r = (self.reader(boxes(px, 'upsampled')) - self.mean) / self.std
        return torch.cat([self.enc.forward_features(x), r], 1)

    def head(self, f):
        return self.enc.head(f[:, : self.enc.feat_dim])

    def features(self, images, batch: int = 128) -> np.ndarray:
        from freeavatar.expression import read_faces

        return read_faces(self, images, batch)[0]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', type=Path)
    p.add_argument('--faces', type=int, default=16000, help='training actors')
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--jaw', default='sampled', choices=('sampled', 'net'), help='jaw labels')
    p.add_argument('--score-only', action='store_true', help='score OUT/reader.pt, train nothing')
    a = p.parse_args(argv)
    i, j = EXPRESSIONS.index('jawLeft'), EXPRESSIONS.index('jawRight')
    labels = (lambda E: net_jaw(E, i, j)) if a.jaw == 'net' else (lambda E: E)
    torch.set_num_threads(2)
    warnings.simplefilter('ignore')
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    dc = DataConfig.cpu()
    if a.score_only:
        net = load_reader(a.out / 'reader.pt')[0]
        res = {'scored_with': f'{a.jaw} jaw labels'}
    else:
        tr = make_dataset('actors', 'train', a.faces, dc.size, dc.seed, augment=dc.augment)
        print(f"{len(tr.images)} training actors, {(time.time() - t0) / 60:.1f} min", flush=True)
        X = boxes(tr.images, 'upsampled')
        net = train_arm(X, labels(tr.expr), a.steps, a.batch, a.seed)
        P = predict(net, X)
        save_reader(a.out / 'reader.pt', net, P.mean(0), P.std(0) + 1e-6, jaw=a.jaw)
        res = {'faces': a.faces, 'steps': a.steps, 'jaw': a.jaw}
        res['minutes'] = round((time.time() - t0) / 60, 2)
    for split in ('val', 'heldout'):
        ds = probe_faces(dc, split, dc.n_heldout)
        r = per_channel_r(net, boxes(ds.images, 'upsampled'), labels(ds.expr))
        res[split] = {**summary(r), 'r': r}
        print(split, {k: v for k, v in res[split].items() if k != 'r'}, flush=True)
    name = f'scores_{a.jaw}.json' if a.score_only else 'scores.json'
    (a.out / name).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
