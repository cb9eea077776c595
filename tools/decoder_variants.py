#!/usr/bin/env python
"""Rig-decoder variants in about a minute each (#29): the shipped encoder's features of the
decoder's training rows, cached once, then the `cpu` decoder recipe changed and retrained on them.

.venv/bin/python tools/decoder_variants.py base drop0.5           # named variants, see VARIANTS
.venv/bin/python tools/decoder_variants.py --list
.venv/bin/python tools/decoder_variants.py base --set seed=1 --drop 0.3 --tag my-run
.venv/bin/python tools/decoder_variants.py base drop0.35 --real-folds 4   # + real validation
.venv/bin/python tools/decoder_variants.py drop0.35 --ensemble 3   # the mean of three decoders
.venv/bin/python tools/decoder_variants.py base --reader R.pt --out O  # + a region reader's outputs
.venv/bin/python tools/decoder_variants.py sq3-renders                 # rig loss |d| + 3 d^2
.venv/bin/python tools/decoder_variants.py drop0.35-renders --jaw net  # jaw labels as faces show
.venv/bin/python tools/decoder_variants.py r0.1-renders --shipped-reader --out O  # + batch-r term
.venv/bin/python tools/decoder_variants.py drop0.35-renders --package-reader R.pt --out O
.venv/bin/python tools/decoder_variants.py drop0.35-enc-renders --shipped-reader  # reader's columns
.venv/bin/python tools/decoder_variants.py reader-only-renders --shipped-reader  # the reading only
.venv/bin/python tools/decoder_variants.py drop0.35-renders --shipped-reader --posed 4500  # renders

`--shipped-reader` reads faces as the package does (the weights' expression.pt and reader.pt);
`--package-reader` with another reader in the package's format (`tools/reader_renders.py`). The
rows are cached per OUT: give each reader its own. Every result records each held-out control's
gain (the least-squares slope of prediction on truth) beside its r.

Each variant prints one JSON line: the rig error per avatar and the human's channels at r >= 0.5
on the *validation* faces (`freeavatar probe`'s: 800 new faces of training identities, which
choose), then the same on the 800 held-out actors and the 8 key real channels per held-out clip
(which only report). The rows (avatar renders with the cross-avatar rows, the training clip's
real frames, the two face sets and the held-out clips) are the ones `train_animator` builds, cached
in OUT/rows.npz (about 3 minutes the first time).

The tool switches the preset's own `feat_dropout` off, so that `base` is the no-dropout control; a
variant's `drop` (the `Perturbed` wrapper) drops every row's features, real rows included (the
package's rule until 2026-12-06), `drop0.35-renders` the render rows' only: the package's own
`feat_dropout` as it is now (its `realcv` rows were first run with a wrapper of the tool's that
did the same; `decoder-render-dropout-0.35-package-seed0` checks the two agree).

`--real-folds K` adds a validation on *real* faces: the training clip's labelled frames are cut
into K consecutive blocks, K decoders are trained each without one block's real rows, and each
predicts the block it did not see; `realcv_*` is every key channel's r against MediaPipe over the
whole clip so predicted (the same person, but frames the decoder never trained on). Blocks, not a
random split, because neighbouring frames are near copies; the rig and validation figures are then
the K decoders' mean. K times the minutes. Not part of the package; the experiment-log rows
`decoder-input-dropout-*` were made with it.

The `paired*` variants switch on the package's paired term (`w_paired`: training actors, read once
into OUT/actors.npz, and the training clip's frames, each with its semantic controls as the target).
DESIGN.md keeps such (actor, g_k(e)) pairs to the named ablation, since g_k also defines the
evaluation's truth: they measure an upper reference (rows `decoder-paired-*`), not a recipe.
"""

from __future__ import annotations
import argparse
import dataclasses
import json
from pathlib import Path
import numpy as np
import torch
from freeavatar.assets import default_weights
from freeavatar.animator import make_decoder
from freeavatar.animator_data import REAL_CHANNELS, Rows, controls_matrix, face_rows, pearson
from freeavatar.animator_data import render_rows
from freeavatar import animator_train
from freeavatar.animator_train import train_decoder
from freeavatar.arkit import EXPRESSIONS
from freeavatar.avatars import load_avatars
from freeavatar.datasets import DataConfig, make_dataset
from freeavatar.expression import ExpressionEncoder
from freeavatar.probe import probe_faces
from freeavatar.region_reader import ReadingEncoder, RegionReader
from freeavatar.run_config import RunConfig
from seed_spread import overrides  # tools/ is on the path of a script run from it

# the region reader's readings: the last columns of a `ReadingEncoder`'s feature
N_READ = len(EXPRESSIONS)

# input dropout on the encoder's features (p) and Gaussian noise (sigma x each feature's spread)
VARIANTS = {
    'base': {},
    'drop0.1': dict(drop=0.1),
    'drop0.2': dict(drop=0.2),
    'drop0.35': dict(drop=0.35),
    'drop0.5': dict(drop=0.5),
    'drop0.7': dict(drop=0.7),
    'noise0.5': dict(noise=0.5),
    'noise1': dict(noise=1.0),
    'drop0.5-noise0.5': dict(drop=0.5, noise=0.5),
    # dropout on the avatar renders' rows only, the training clip's real rows left whole: the
    # package's feat_dropout (`44_animator_train`)
    'drop0.35-renders': dict(set=dict(feat_dropout=0.35)),
    'wd1e-2': dict(set=dict(weight_decay=1e-2)),
    'wd1e-1': dict(set=dict(weight_decay=1e-1)),
    'h128': dict(set=dict(hidden=128)),
    'blocks0': dict(set=dict(blocks=0)),
    'steps500': dict(set=dict(steps=500)),
    # absolute error plus a squared term, |d| + w d^2 (`mixed_error`): between the conditional
    # median (which keeps a sparse channel the features are unsure of at 0) and the mean
    'sq1-renders': dict(sq=1.0, set=dict(feat_dropout=0.35)),
    'sq3-renders': dict(sq=3.0, set=dict(feat_dropout=0.35)),
    'sq10-renders': dict(sq=10.0, set=dict(feat_dropout=0.35)),
    # |d| plus w (1 - r) of each control over the batch (`r_error`), the package's dropout
    'r0.1-renders': dict(corr=0.1, set=dict(feat_dropout=0.35)),
    'r0.3-renders': dict(corr=0.3, set=dict(feat_dropout=0.35)),
    'r1-renders': dict(corr=1.0, set=dict(feat_dropout=0.35)),
    # the paired term (`w_paired`, the package's named ablation; here an upper reference): training
    # actors and the training clip's frames, each sent to a random avatar with its semantic controls
    # as the target (`face_terms`); `pb` rows of them a step (`pbatch`, 8 in the preset)
    'paired1-renders': dict(set=dict(feat_dropout=0.35, w_paired=1.0)),
    'paired1-pb32-renders': dict(set=dict(feat_dropout=0.35, w_paired=1.0, pbatch=32)),
    'paired1-pb128-renders': dict(set=dict(feat_dropout=0.35, w_paired=1.0, pbatch=128)),
    'paired0.3-pb32-renders': dict(set=dict(feat_dropout=0.35, w_paired=0.3, pbatch=32)),
    # with a reader (`--shipped-reader`): the render rows' dropout spares the reader's 25 trailing
    # columns (`tail`), so that a weak channel's one reading is never taken away; and the reader's
    # columns scaled (`tail_scale`) against the encoder's 392
    'drop0.35-enc-renders': dict(tail=N_READ, set=dict(feat_dropout=0.35)),
    'drop0.35-renders-tail3': dict(tail_scale=3.0, set=dict(feat_dropout=0.35)),
    'drop0.35-enc-renders-tail3': dict(tail=N_READ, tail_scale=3.0, set=dict(feat_dropout=0.35)),
    # the decoder on the reader's 25 columns alone (a diagnostic: what the reading carries through a
    # decoder trained on renders), and the encoder's whole block dropped from a share of the render
    # rows (modality dropout: each row then has to be decoded from the reading alone)
    'reader-only-renders': dict(only_tail=N_READ, set=dict(feat_dropout=0.35)),
    'blockdrop0.3-renders': dict(tail=N_READ, block=0.3, set=dict(feat_dropout=0.35)),
    'blockdrop0.6-renders': dict(tail=N_READ, block=0.6, set=dict(feat_dropout=0.35)),
}


def net_jaw(X: np.ndarray, left: int, right: int, rows=slice(None)) -> np.ndarray:
    """A copy of `X` with the jaw pair (columns `left`, `right`) of `rows` replaced by the sideways
    shift the face shows: the two shapes move the jaw by opposite amounts (`JAW_SHIFT`), so that
    jawLeft = jawRight = v renders no shift at all. Left = max(l - r, 0), right = max(r - l, 0)."""
    X = X.copy()
    lt, rt = X[rows, left], X[rows, right]
    X[rows, left], X[rows, right] = np.maximum(lt - rt, 0), np.maximum(rt - lt, 0)
    return X


def jaw_labels(d: dict, avatars: list, how: str) -> dict:
    """The cached rows with their jaw labels as sampled ('sampled'), or as the face shows them
    (`net_jaw`) for training and scoring ('net') or for scoring only ('net-eval')."""
    if how == 'sampled':
        return d
    if how not in ('net', 'net-eval'):
        raise SystemExit(f"--jaw must be sampled, net or net-eval, not {how!r}")
    i, j = EXPRESSIONS.index('jawLeft'), EXPRESSIONS.index('jawRight')
    a = [av.name for av in avatars].index('human')
    ci, cj = avatars[a].controls.index('jawLeft'), avatars[a].controls.index('jawRight')
    scored = {k: net_jaw(d[k], i, j) for k in ('val_E', 'held_E', 'clip_E')}
    if how == 'net-eval':
        return d | scored
    # MediaPipe's readings of the training clip too: a real jaw cannot go both ways either
    trained = {
        'E': net_jaw(d['E'], i, j),
        'C': net_jaw(d['C'], ci, cj, d['k'] == a),
        'real_E': net_jaw(d['real_E'], i, j),
    }
    return d | scored | trained


def mixed_error(w_sq: float):
    "The package's `rig_error` with its kind replaced by |d| + w_sq d^2 over the masked controls."

    def rig_error(pred, target, mask, kind):
        d = pred - target
        return ((d.abs() + w_sq * d**2) * mask).sum() / mask.sum()

    return rig_error


def cached_rows(out: Path, enc: ExpressionEncoder, avatars: list, dc: DataConfig, seed: int):
    "Every array a variant needs, computed once into OUT/rows.npz."
    path = out / 'rows.npz'
    if not path.exists():
        rig = render_rows(enc, avatars, RunConfig.from_preset('cpu').animator.n_refs, dc, seed=seed)
        real = face_rows(enc, 'real', 'train', None, dc)
        held = face_rows(enc, 'actors', 'heldout', dc.n_heldout, dc)
        val = probe_faces(dc, 'val', dc.n_heldout)
        clips = make_dataset('real', 'heldout', None, dc.size, dc.seed)
        np.savez(
            path,
            F=rig.F, k=rig.k, C=rig.C, E=rig.E, real_F=real.F, real_E=real.E,
            held_F=held.F, held_E=held.E, val_F=enc.features(val.images), val_E=val.expr,
            clip_F=enc.features(clips.images), clip_E=clips.expr, clip=clips.domain.astype(str),
        )  # fmt: skip
    return dict(np.load(path))


def cached_posed(out: Path, enc, avatars: list, dc: DataConfig, n: int) -> dict:
    """`n` more posed renders a space (every avatar's, the package's `render_rows` sampler at the
    data seed + 2: neither the decoder's own renders nor the reader's, at + 1), read once into
    OUT/posed_N.npz and appended to the rig rows: {'F', 'k', 'C', 'E'} (the cross-avatar rows
    follow from their E)."""
    path = out / f'posed_{n}.npz'
    if not path.exists():
        names = [av.name for av in avatars]
        ims, ks, Es = [], [], []
        for space in ('full', 'shared'):
            ds = make_dataset('avatars', 'train', n, enc.cfg.img_size, dc.seed + 2, space=space)
            keep = np.isin(ds.domain, names)
            ims.append(ds.images[keep])
            ks.append(np.array([names.index(x) for x in ds.domain[keep]]))
            Es.append(ds.expr[keep])
        k, E = np.concatenate(ks), np.concatenate(Es)
        F = enc.features(np.concatenate(ims))
        np.savez(path, F=F, k=k, C=controls_matrix(avatars, k, E), E=E)
    return dict(np.load(path))


def with_posed(d: dict, extra: dict) -> dict:
    "The cached rows with `cached_posed`'s rows appended to the rig rows."
    return d | {key: np.concatenate([d[key], extra[key]]) for key in ('F', 'k', 'C', 'E')}


def cached_actors(out: Path, enc, dc: DataConfig) -> dict:
    """The training actors the package's paired term reads (`training_faces`' actors), computed
    once into OUT/actors.npz: {'act_F', 'act_E'}."""
    path = out / 'actors.npz'
    if not path.exists():
        act = face_rows(enc, 'actors', 'train', dc.n_actors, dc)
        np.savez(path, act_F=act.F, act_E=act.E)
    return dict(np.load(path))


def r_error(pred, target, k, mask, eps=1e-8):
    """1 - Pearson r of each avatar's each control over the batch rows sent to that avatar, the mean
    over the (avatar, control) pairs whose target moves in the batch. Scale-free: a control the
    features are unsure of can keep its ranking at a small amplitude, which |d| alone sets to 0."""
    terms = []
    for a in k.unique().tolist():
        m = k == a
        if int(m.sum()) < 3:
            continue
        p, t = pred[m], target[m]
        p, t = p - p.mean(0), t - t.mean(0)
        sp, st = p.pow(2).mean(0).sqrt(), t.pow(2).mean(0).sqrt()
        live = (st > 1e-4) & (mask[m][0] > 0)
        r = (p * t).mean(0) / (sp * st + eps)
        terms.append((1 - r)[live])
    if not terms:
        return pred.sum() * 0
    return torch.cat(terms).mean()


def drawn(rows: tuple, cfg, rng) -> tuple:
    "`cfg.batch` rows (features, avatars, controls), drawn as the package's `batch_error` draws."
    feats, k_all, controls = rows
    j = torch.from_numpy(rng.integers(len(feats), size=cfg.batch))
    return feats[j], k_all[j], controls[j]


def with_r_term(w: float):
    "The package's `batch_error` plus `w` x `r_error` on the same rows."

    def batch_error(dec, rows, mask, cfg, rng, drop=0.0):
        f, k, c = drawn(rows, cfg, rng)
        pred = dec(torch.nn.functional.dropout(f, drop, dec.training), k)
        err = animator_train.rig_error(pred, c, mask[k], cfg.rig_loss)
        return err + w * r_error(pred, c, k, mask[k])

    return batch_error


def sparing_tail(n: int, block: float = 0.0):
    """The package's `batch_error` with its dropout applied to all but the last `n` feature columns
    (the reader's outputs, with `--shipped-reader`); `block` > 0 also zeroes all those columns on
    that share of the rows (render rows only: the real rows come with `drop` 0)."""

    def batch_error(dec, rows, mask, cfg, rng, drop=0.0):
        f, k, c = drawn(rows, cfg, rng)
        head = torch.nn.functional.dropout(f[:, :-n], drop, dec.training)
        if block and drop and dec.training:
            keep = torch.from_numpy(rng.random(len(f)) >= block).float()[:, None]
            head = head * keep
        pred = dec(torch.cat([head, f[:, -n:]], 1), k)
        return animator_train.rig_error(pred, c, mask[k], cfg.rig_loss)

    return batch_error


FEATURE_KEYS = ('F', 'real_F', 'held_F', 'val_F', 'clip_F', 'act_F')


def scaled_tail(d: dict, n: int, s: float) -> dict:
    "The cached rows with the last `n` columns of every feature array times `s`."
    d = dict(d)
    for key in FEATURE_KEYS:
        if key in d:
            d[key] = d[key].copy()
            d[key][:, -n:] *= s
    return d


class Perturbed(torch.nn.Module):
    "A decoder whose input features are dropped (p) and jittered (sigma x spread) while training."

    def __init__(self, dec: torch.nn.Module, spread: torch.Tensor, drop=0.0, noise=0.0):
        super().__init__()
        self.dec, self.spread, self.drop, self.noise = dec, spread, drop, noise
        self.cfg, self.n_controls = dec.cfg, dec.n_controls

    def forward(self, f, k):
        if self.training and self.noise:
            f = f + self.noise * self.spread * torch.randn_like(f)
        if self.training and self.drop:
            f = torch.nn.functional.dropout(f, self.drop)
        return self.dec(f, k)


class Mean(torch.nn.Module):
    "Several trained decoders as one: the mean of their outputs (an ensemble)."

    def __init__(self, decs: list):
        super().__init__()
        self.decs = torch.nn.ModuleList(decs)

    def forward(self, f, k):
        return torch.stack([d(f, k) for d in self.decs]).mean(0)


def scores(dec, avatars: list, F: np.ndarray, E: np.ndarray, tag: str) -> dict:
    "Rig error per avatar on faces (F, E), and the human's channels at r >= 0.5."
    out = {}
    with torch.no_grad():
        for a, av in enumerate(avatars):
            k = torch.full((len(F),), a)
            P = dec(torch.from_numpy(F), k)[:, : len(av.controls)].numpy()
            T = av.semantic(E)
            out[f'{tag}_{av.name}'] = round(float(np.abs(P - T).mean()), 4)
            if av.name == 'human':
                r = [pearson(P[:, j], T[:, j]) for j in range(len(av.controls))]
                out[f'{tag}_channels'] = int(sum(v >= 0.5 for v in r))
                out[f'{tag}_r'] = {c: round(float(v), 3) for c, v in zip(av.controls, r)}
                # how far each control moves per unit of its truth (the least-squares slope): an r
                # read at a small gain is a control that barely moves the face
                dP, dT = P - P.mean(0), T - T.mean(0)
                gain = (dP * dT).mean(0) / np.maximum((dT**2).mean(0), 1e-12)
                out[f'{tag}_gain'] = {c: round(float(v), 3) for c, v in zip(av.controls, gain)}
    return out


def real_scores(dec, avatars: list, d: dict) -> dict:
    "The human's 8 key controls against MediaPipe on the held-out clips: pooled and per clip."
    a = [av.name for av in avatars].index('human')
    hc = avatars[a].controls
    with torch.no_grad():
        P = dec(torch.from_numpy(d['clip_F']), torch.full((len(d['clip_F']),), a)).numpy()
    r = lambda m, c: pearson(P[m, hc.index(c)], d['clip_E'][m, EXPRESSIONS.index(c)])
    every = np.ones(len(P), bool)
    per = {clip: {c: r(d['clip'] == clip, c) for c in REAL_CHANNELS} for clip in set(d['clip'])}
    return {
        'real_pooled': {c: round(r(every, c), 3) for c in REAL_CHANNELS},
        'real_pooled_worst': round(min(r(every, c) for c in REAL_CHANNELS), 3),
        'real_clip_worst': round(min(min(v.values()) for v in per.values()), 3),
        'browInnerUp_per_clip': {k: round(v['browInnerUp'], 2) for k, v in sorted(per.items())},
    }


def clip_r(dec, avatars: list, F: np.ndarray, E: np.ndarray) -> dict:
    """The human's 8 key controls against MediaPipe on real rows (F, E): on the training clip a fit
    where `w_real` > 0, a reading of frames never trained on where it is 0."""
    a = [av.name for av in avatars].index('human')
    hc = avatars[a].controls
    with torch.no_grad():
        P = dec(torch.from_numpy(F), torch.full((len(F),), a)).numpy()
    r = lambda c: round(pearson(P[:, hc.index(c)], E[:, EXPRESSIONS.index(c)]), 3)
    return {c: r(c) for c in REAL_CHANNELS}


def real_blocks(n: int, k: int) -> list[np.ndarray]:
    "Indices of `n` frames in `k` consecutive blocks (sizes differing by at most one)."
    if not 2 <= k <= n:
        raise ValueError(f"--real-folds must be between 2 and the {n} real frames, got {k}")
    return np.array_split(np.arange(n), k)


def fold_mean(runs: list[dict]) -> dict:
    "The mean over folds of every figure the runs' results share (not the variant's settings)."
    return {
        k: round(float(np.mean([r[k] for r in runs])), 4 if isinstance(v, float) else 1)
        for k, v in runs[0].items()
        if isinstance(v, (int, float))
        and not isinstance(v, bool)
        and k not in ('drop', 'noise', 'sq', 'corr', 'tail', 'tail_scale', 'block', 'only_tail')
    }


def real_cv(name: str, d: dict, enc, avatars: list, folds: int, **kw) -> dict:
    """`run` once per block of the training clip, that block's real rows held out: the mean of the
    runs' figures, and each key channel's r over the clip from the decoders that did not see it."""
    a = [av.name for av in avatars].index('human')
    hc = avatars[a].controls
    P = np.zeros((len(d['real_F']), len(REAL_CHANNELS)), np.float32)
    runs = []
    for block in real_blocks(len(d['real_F']), folds):
        keep = np.setdiff1d(np.arange(len(d['real_F'])), block)
        sub = d | {'real_F': d['real_F'][keep], 'real_E': d['real_E'][keep]}
        res, dec = run(name, sub, enc, avatars, decoder=True, **kw)
        runs.append(res)
        with torch.no_grad():
            out = dec(torch.from_numpy(d['real_F'][block]), torch.full((len(block),), a)).numpy()
        P[block] = out[:, [hc.index(c) for c in REAL_CHANNELS]]
    E = d['real_E'][:, [EXPRESSIONS.index(c) for c in REAL_CHANNELS]]
    cv = {c: round(pearson(P[:, j], E[:, j]), 3) for j, c in enumerate(REAL_CHANNELS)}
    return (
        runs[0]
        | fold_mean(runs)
        | {
            'real_folds': folds,
            'realcv': cv,
            'realcv_worst': min(cv.values()),
            'realcv_mean': round(float(np.mean(list(cv.values()))), 3),
        }
    )


def run(
    name: str,
    d: dict,
    enc,
    avatars: list,
    drop=0.0,
    noise=0.0,
    set=None,
    decoder=False,
    ensemble=1,
    sq=0.0,
    corr=0.0,
    tail=0,
    tail_scale=1.0,
    block=0.0,
    only_tail=0,
):
    """Train one variant on the cached rows and score it (and, `decoder=True`, return it too);
    `ensemble` > 1 trains that many at seeds seed, seed + 1, ... and scores the mean of their
    outputs; `sq` > 0 trains on `mixed_error(sq)` in place of the preset's rig loss."""
    # the preset's own feat_dropout is off here: a variant's `drop` is its dropout, so 'base' stays
    # the no-dropout control the experiment log's rows name
    cpu = dataclasses.replace(RunConfig.from_preset('cpu').animator, feat_dropout=0.0)
    cfg = dataclasses.replace(cpu, **(set or {}))
    if tail_scale != 1.0:
        d = scaled_tail(d, N_READ, tail_scale)
    if only_tail:
        d = d | {k: d[k][:, -only_tail:] for k in FEATURE_KEYS if k in d}
    z = lambda F: np.zeros((len(F), 1), np.float32)
    rig = Rows(d['F'], z(d['F']), d['k'], d['C'], d['E'])
    n_real = len(d['real_F'])
    real = Rows(d['real_F'], z(d['real_F']), np.zeros(n_real, int), z(d['real_F']), d['real_E'])
    # the face rows: the training clip's real frames, after the training actors where the paired
    # term is on (the package's `training_faces`; a real-validation fold drops its block from both)
    faces = real
    if cfg.w_paired:
        FF = np.concatenate([d['act_F'], d['real_F']])
        EE = np.concatenate([d['act_E'], d['real_E']])
        faces = Rows(FF, z(FF), np.full(len(FF), -1), z(FF), EE)
    spread, widths = torch.from_numpy(d['F'].std(0)), [len(av.controls) for av in avatars]
    quiet = lambda s: None
    decs = []
    for i in range(ensemble):
        c = dataclasses.replace(cfg, seed=cfg.seed + i)
        dec = Perturbed(make_decoder(rig.F.shape[1], widths, c), spread, drop, noise)
        plain, plain_batch = animator_train.rig_error, animator_train.batch_error
        animator_train.rig_error = mixed_error(sq) if sq else plain
        animator_train.batch_error = (
            with_r_term(corr) if corr else sparing_tail(tail, block) if tail else plain_batch
        )
        try:
            dec, hist = train_decoder(
                enc, [], avatars, rig, faces, c, quiet, decoder=dec, real=real
            )
        finally:
            animator_train.rig_error, animator_train.batch_error = plain, plain_batch
        decs.append(dec.eval())
    dec = decs[0] if ensemble == 1 else Mean(decs).eval()
    res = {'name': name, 'drop': drop, 'noise': noise, 'set': set or {}}
    res |= {'sq': sq} if sq else {}
    res |= {'corr': corr} if corr else {}
    res |= {'tail': tail} if tail else {}
    res |= {'tail_scale': tail_scale} if tail_scale != 1.0 else {}
    res |= {'block': block} if block else {}
    res |= {'only_tail': only_tail} if only_tail else {}
    res |= {'ensemble': ensemble} if ensemble > 1 else {}
    # the training loss at the end (the mean of the last 100 steps of each term)
    res |= {
        f'train_{k}': round(float(np.mean(hist[k][-100:])), 5)
        for k in ('rig', 'real', 'paired')
        if hist[k]
    }
    res |= scores(dec, avatars, d['val_F'], d['val_E'], 'val')
    res |= scores(dec, avatars, d['held_F'], d['held_E'], 'heldout')
    res |= real_scores(dec, avatars, d)
    res |= {'trainclip_r': clip_r(dec, avatars, d['real_F'], d['real_E'])}
    return (res, dec) if decoder else res


def report(res: dict, out: Path):
    "Print one result line and append it to OUT/results.jsonl."
    print(json.dumps(res), flush=True)
    with open(out / 'results.jsonl', 'a') as f:
        f.write(json.dumps(res) + '\n')


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('variants', nargs='*', default=['base'])
    p.add_argument('--out', type=Path, default=Path('out/decoder_variants'))
    p.add_argument('--weights', type=Path, default=None, help='default: data/weights')
    p.add_argument('--drop', type=float, default=None, help='override: input dropout')
    p.add_argument('--noise', type=float, default=None, help='override: input noise')
    p.add_argument('--sq', type=float, default=None, help='override: w of |d| + w d^2')
    p.add_argument('--set', action='append', default=[], metavar='FIELD=VALUE')
    p.add_argument('--tag', default='', help='appended to each variant name')
    p.add_argument('--real-folds', type=int, default=0, help='K: validate on real frames too')
    p.add_argument('--ensemble', type=int, default=1, help='N decoders, their outputs averaged')
    p.add_argument(
        '--reader', type=Path, help="a region_reader.py reader.pt: its outputs join the features"
    )
    p.add_argument(
        '--shipped-reader', action='store_true', help="the weights' own reader.pt (the package's)"
    )
    p.add_argument('--package-reader', type=Path, help="a reader.pt in the package's format")
    p.add_argument('--corr', type=float, default=None, help='override: w of the batch r term')
    p.add_argument(
        '--jaw', default='sampled', help="jaw labels: sampled, net or net-eval (see jaw_labels)"
    )
    p.add_argument(
        '--posed', type=int, default=0, help='N more posed avatar renders a space in the rig rows'
    )
    p.add_argument('--list', action='store_true')
    a = p.parse_args(argv)
    if a.list:
        print('\n'.join(f'{k}: {v}' for k, v in VARIANTS.items()))
        return 0
    torch.set_num_threads(2)
    a.out.mkdir(parents=True, exist_ok=True)
    enc = ExpressionEncoder.load((a.weights or default_weights()) / 'expression.pt')
    if sum(map(bool, (a.reader, a.shipped_reader, a.package_reader))) > 1:
        raise SystemExit("--reader, --shipped-reader and --package-reader: choose one")
    if a.reader:
        from region_reader import Joint  # tools/ is on the path of a script run from it

        enc = Joint(enc, a.reader)
    if a.shipped_reader or a.package_reader:
        path = a.package_reader or (a.weights or default_weights()) / 'reader.pt'
        enc = ReadingEncoder(enc, RegionReader.load(path))
    avatars = list(load_avatars().values())
    run_cfg = RunConfig.from_preset('cpu')
    d = jaw_labels(
        cached_rows(a.out, enc, avatars, run_cfg.data, run_cfg.renderer.seed), avatars, a.jaw
    )
    if a.posed:
        d = with_posed(d, cached_posed(a.out, enc, avatars, run_cfg.data, a.posed))
    if any('paired' in v for v in a.variants) or any('w_paired' in s for s in a.set):
        d |= cached_actors(a.out, enc, run_cfg.data)
    for v in a.variants:
        if v not in VARIANTS:
            raise SystemExit(f"unknown variant {v!r}; --list shows them")
        kw = dict(VARIANTS[v])
        kw['set'] = {**kw.get('set', {}), **overrides(run_cfg.animator, a.set)}
        kw |= {
            k: getattr(a, k) for k in ('drop', 'noise', 'sq', 'corr') if getattr(a, k) is not None
        }
        kw['ensemble'] = a.ensemble
        if a.real_folds:
            res = real_cv(v + a.tag, d, enc, avatars, a.real_folds, **kw)
        else:
            res = run(v + a.tag, d, enc, avatars, **kw)
        res |= {'jaw': a.jaw} if a.jaw != 'sampled' else {}
        res |= {'posed': a.posed} if a.posed else {}
        report(res, a.out)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
