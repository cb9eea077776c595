#!/usr/bin/env python
"""Where the expression space's triplet accuracy is lost (#29): the backbone or the head? Minutes,
no backbone training: the shipped networks' features of every triplet pool are computed once, then
only a small embedding head is trained on them with the tuning losses (`33_expression_train`).

.venv/bin/python tools/triplet_head.py out/exp/triplet_head              # every variant, ~5 min
.venv/bin/python tools/triplet_head.py out/exp/triplet_head --variants head reader_term
.venv/bin/python tools/triplet_head.py out/exp/th_r3 --encoder out/exp/r3/expression.pt --variants

Rows of OUT/results.json, each with its triplet accuracy (all, and per type) on the validation sets
(new faces of training identities at the probe's seed offset; the training clip's frames in new
triplets), which choose, and on the bench's held-out sets, which only report:

- `shipped`: the encoder's embedding as it is (the shipped encoder unless `--encoder` names
  another; the shipped one's held-out figures must match the bench: the control).
- `aux_head` / `reader` (no training): the encoder's auxiliary expression head, or the region
  reader's 25 channels, times the visual weights that define the labels: what a reading of the
  expression vector scores when used as the embedding.
- `head`: the shipped head (LayerNorm + linear on the 392 pooled features) trained further, the
  backbone frozen: does the head, not the backbone, limit the space?
- `mlp`: a two-layer head (256 wide) on the frozen features from scratch.
- `blend` (no training): the shipped embedding beside the reader's channels times the visual
  weights, the shipped part scaled by the factor that scores best on the validation actors and
  cross-domain sets (of 0.25, 0.5, 1, 2, 4).
- `reader_term`: the shipped head plus a zero-initialised linear term on the reader's standardised
  channels (so it starts as the shipped space), both trained.

`--encoder` scores another tuned encoder in the place of the shipped one (with no `--variants`, only
the untrained rows: its validation triplets, to choose between encoder experiments).

`--ratio` (the log-ratio weight of the heads' losses) defaults to the `cpu` recipe's, 3 since
2026-12-07; the `triplet-head-*` rows were made before, at 1: reproduce them with `--ratio 1`.

Not part of the package; the experiment-log rows `triplet-head-*` were made with it.
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
import torch.nn.functional as F
from freeavatar.assets import default_weights
from freeavatar.expression import ExprConfig, ExpressionEncoder
from freeavatar.expression_train import training_sets
from freeavatar.probe import VAL_SEED
from freeavatar.region_reader import RegionReader, reader_outputs
from freeavatar.triplet_sets import HELDOUT, heldout_sets, triplet_set
from freeavatar.triplets import log_ratio_loss, triplet_accuracy, triplet_loss, visual_weights

SOURCES = ('actors', 'cross-domain', 'real')


def val_sets(size: int) -> dict:
    "Validation triplets: new faces of training identities (the probe's seed offset)."
    return {
        s: triplet_set(s, 'train', HELDOUT['n'], size, HELDOUT['pool'], seed=VAL_SEED)
        for s in SOURCES
    }


class Head(nn.Module):
    "An embedding head on cached features: 'head', 'mlp' or 'reader_term' (see the module doc)."

    def __init__(self, kind: str, enc: ExpressionEncoder, n_read: int, emb: int = 16):
        super().__init__()
        self.kind, self.d = kind, enc.feat_dim
        if kind == 'mlp':
            self.net = nn.Sequential(
                nn.LayerNorm(self.d), nn.Linear(self.d, 256), nn.GELU(), nn.Linear(256, emb)
            )
        else:
            self.net = nn.Sequential(nn.LayerNorm(self.d), nn.Linear(self.d, emb))
            self.net.load_state_dict(enc.head.state_dict())
        if kind == 'reader_term':
            self.read = nn.Linear(n_read, emb, bias=False)
            nn.init.zeros_(self.read.weight)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        z = self.net(f[:, : self.d])
        if self.kind == 'reader_term':
            z = z + self.read(f[:, self.d :])
        return F.normalize(z, dim=-1)


def pool_features(enc, reader, ts) -> np.ndarray:
    "[encoder pooled feature ⊕ reader's standardised channels] of a set's pool."
    r = reader_outputs(reader, ts.images)
    std = (r - reader.mean.numpy()) / reader.std.numpy()
    return np.concatenate([enc.features(ts.images), std], 1).astype(np.float32)


def scores(Z: np.ndarray, ts) -> dict:
    "Triplet accuracy of embeddings `Z` of a set's pool, overall and per type, rounded."
    return {k: round(v, 4) for k, v in triplet_accuracy(Z, ts.triplets).items()}


BLEND = (0.25, 0.5, 1.0, 2.0, 4.0)


def val_score(r: dict) -> float:
    "What chooses: the mean accuracy on the validation actors and cross-domain sets."
    return (r['val']['actors']['all'] + r['val']['cross-domain']['all']) / 2


def show(r: dict):
    "One line: the variant's accuracy (all) per source on validation and held-out sets."
    v, h = ([r[g][s]['all'] for s in SOURCES] for g in ('val', 'heldout'))
    extra = r.get('seconds', r.get('scale', ''))
    print(f"{r['variant']:12s} val {v} heldout {h} {extra}", flush=True)


def train_head(head, feats, sets, steps, batch, lr, ratio, seed) -> list:
    "The tuning losses (triplet + `ratio` x log-ratio on e x W) over batches of every source."
    rng = np.random.default_rng(seed)
    W = torch.from_numpy(visual_weights())
    mix = dict(ExprConfig.cpu().mix)
    p = np.array([mix[s] for s in SOURCES])
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=0.05)
    hist = []
    for step in range(steps):
        fs, es, ts = [], [], []
        for s, k in zip(SOURCES, rng.multinomial(batch, p / p.sum())):
            j = rng.integers(len(sets[s].triplets), size=k)
            idx = sets[s].triplets.idx[j].reshape(-1)
            fs.append(feats[s][idx])
            es.append(sets[s].expr[idx])
            ts.append(sets[s].triplets.type[j])
        f, e = torch.from_numpy(np.concatenate(fs)), torch.from_numpy(np.concatenate(es))
        z = head(f)
        zz = z.view(-1, 3, z.shape[1])
        loss = triplet_loss(zz[:, 0], zz[:, 1], zz[:, 2], np.concatenate(ts))
        loss = loss + ratio * log_ratio_loss(z, e * W)
        for g in opt.param_groups:
            g['lr'] = lr * 0.5 * (1 + np.cos(np.pi * step / steps))
        opt.zero_grad()
        loss.backward()
        opt.step()
        hist.append(loss.item())
    return hist


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', type=Path)
    p.add_argument('--variants', nargs='*', default=['head', 'mlp', 'reader_term'])
    p.add_argument('--encoder', type=Path, help='an expression.pt (default: the shipped one)')
    p.add_argument('--steps', type=int, default=1500)
    p.add_argument('--batch', type=int, default=32, help='triplets a step (as the tuning)')
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument(
        '--ratio', type=float, default=ExprConfig.cpu().ratio, help="default: the cpu recipe's"
    )
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    warnings.simplefilter('ignore')
    a.out.mkdir(parents=True, exist_ok=True)
    w = default_weights()
    enc = ExpressionEncoder.load(a.encoder or w / 'expression.pt')
    reader = RegionReader.load(w / 'reader.pt')
    S = enc.cfg.img_size
    t0 = time.time()
    groups = {'val': val_sets(S), 'heldout': heldout_sets(S)}
    if a.variants:  # the heads train on the training pools
        groups['train'] = training_sets(S, ExprConfig.cpu())
    feats = {
        g: {s: pool_features(enc, reader, ts) for s, ts in v.items()} for g, v in groups.items()
    }
    print(f"features of every pool: {time.time() - t0:.0f} s", flush=True)
    W = visual_weights()
    n_read = reader.n_out

    def ev(fn) -> dict:
        return {g: {s: scores(fn(g, s), groups[g][s]) for s in SOURCES} for g in ('val', 'heldout')}

    Zs = {g: {s: enc.embed(groups[g][s].images) for s in SOURCES} for g in groups}
    Rw = {g: {s: reader_outputs(reader, groups[g][s].images) * W for s in SOURCES} for g in groups}
    aux = lambda g, s: enc.expr_head(torch.from_numpy(feats[g][s][:, :-n_read])).detach().numpy()
    rows = [
        dict(variant='shipped', **ev(lambda g, s: Zs[g][s])),
        dict(variant='aux_head', **ev(lambda g, s: aux(g, s) * W)),
        dict(variant='reader', **ev(lambda g, s: Rw[g][s])),
    ]
    best = None
    for k in BLEND:
        r = ev(lambda g, s: np.concatenate([k * Zs[g][s], Rw[g][s]], 1))
        r = dict(variant='blend', scale=k, **r)
        if best is None or val_score(r) > val_score(best):
            best = r
    rows.append(best)
    for r in rows:
        show(r)
    for v in a.variants:
        torch.manual_seed(a.seed)
        head = Head(v, enc, n_read)
        t1 = time.time()
        hist = train_head(
            head, feats['train'], groups['train'], a.steps, a.batch, a.lr, a.ratio, a.seed
        )
        head.eval()
        with torch.no_grad():
            row = ev(lambda g, s: head(torch.from_numpy(feats[g][s])).numpy())
        rows.append(
            dict(
                variant=v,
                steps=a.steps,
                batch=a.batch,
                lr=a.lr,
                loss_first=round(float(np.mean(hist[:50])), 4),
                loss_last=round(float(np.mean(hist[-50:])), 4),
                seconds=round(time.time() - t1, 1),
                **row,
            )
        )
        show(rows[-1])
    (a.out / 'results.json').write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
