#!/usr/bin/env python
"""Does the rig decoder trust the region reader more when the reader reads avatar renders too? (#29)

.venv/bin/python tools/reader_renders.py out/exp/reader_renders            # actors + renders
.venv/bin/python tools/reader_renders.py out/exp/reader_actors --renders 0 # actors only
.venv/bin/python tools/decoder_variants.py drop0.35-renders --package-reader \
    out/exp/reader_renders/reader.pt --out out/dv_reader_renders

The rig decoder learns its map from features to controls on *avatar renders* and is then used on
human faces. The shipped reader (`35_region_reader`) trained on rendered actors only: on the
human avatar's own renders it reads 11 of 25 channels (cheekPuff r 0.19, eyeWide 0.32 / 0.38),
on held-out actors 18. A decoder taught where the reader is unsure learns not to use it, and keeps
that distrust on actors. Here the reader's batches also hold posed renders of every avatar whose
expression is known (`make_dataset('avatars', ...)`, both spaces), made at another seed than the
decoder's own render rows, so the reader is not scored on pictures it was taught. The package
adopted this recipe on 2026-12-07 (`ReaderConfig.renders`, `run_config.reader_sets`); the tool
keeps the experiment's own arguments (`--renders`, `--render-seed`); `--set FIELD=VALUE` changes
the package's `ReaderConfig` (e.g. `--set faces=48000`); `--aligned-human` trains on the human's
renders aligned as a face crop is (`tools/aligned_human.py`) in place of the avatar's own framing
(the package's own framing since 2026-12-07, `render_crop`).
`--augment P` jitters each rendered face of a batch while the reader trains: with probability 0.5
its mirror image (the channels' sides swapped, `reader_mirror.SWAP`), and with probability P a
random gain per colour (0.75-1.25), a contrast (0.7-1.3) and a brightness shift (+-20), or grey:
the reader is a CNN from scratch on textures from a handful of real faces, and reads new identities
worse than new faces of its training ones. The real rows are left as they are.
`--jaw net` trains and scores on the jaw labels the face shows (`decoder_variants.net_jaw`); pair
it with that tool's `--jaw net`.

The package's `train_reader` (`ReaderConfig.cpu`: 16,000 actors, the training clip's real frames at
0.125 of a batch) on the actors and `--renders` avatar renders per space; the reader is saved in
the package's format (OUT/reader.pt) and scored on held-out actors and on the decoder's render rows
of each avatar (`decoder_variants`'s cache, `--dv`). Writes OUT/results.json. Not part of the
package.
"""

from __future__ import annotations
import argparse
import dataclasses
import json
from pathlib import Path
import numpy as np
import torch
from freeavatar.arkit import EXPRESSIONS
from freeavatar.avatars import load_avatars
from freeavatar.datasets import make_dataset
from freeavatar.region_reader import reader_scores, train_reader
from freeavatar.run_config import RunConfig, reader_sets
from aligned_human import aligned_set  # tools/ is on the path of a script run from it
from seed_spread import overrides
from reader_mirror import SWAP
from freeavatar import region_reader
from freeavatar.probe import probe_faces


def jittered(images: np.ndarray, E, rng, p: float) -> tuple:
    "(images, E) with `--augment`'s mirror and photometric jitter (uint8 in, uint8 out)."
    images, E = images.copy(), E.clone()
    flip = rng.random(len(images)) < 0.5
    images[flip] = images[flip][:, :, ::-1]
    E[flip] = E[flip][:, SWAP]
    x = images.astype(np.float32)
    for i in np.flatnonzero(rng.random(len(x)) < p):
        if rng.random() < 0.2:
            x[i] = x[i].mean(-1, keepdims=True)
        m = x[i].mean()
        x[i] = (x[i] - m) * rng.uniform(0.7, 1.3) + m + rng.uniform(-20, 20)
        x[i] *= rng.uniform(0.75, 1.25, 3)
    return np.clip(x, 0, 255).astype(np.uint8), E


def augmenting(p: float):
    "The package's `reader_batch` with `jittered` applied to the rendered faces' share."
    to_input = region_reader.to_input

    def reader_batch(rng, S, faces, real, n_real, batch):
        i = rng.choice(len(faces[0]), min(len(faces[0]), batch - n_real), replace=False)
        ims, y = jittered(faces[0][i], faces[1][i], rng, p)
        x = to_input(ims, S)
        if n_real:
            j = rng.choice(len(real[0]), n_real, replace=False)
            x, y = torch.cat([x, to_input(real[0][j], S)]), torch.cat([y, real[1][j]])
        return x, y

    return reader_batch


def avatar_renders(names: list, n: int, size: int, seed: int) -> tuple:
    "(images, expressions) of `n` posed renders per space of the avatars `names`, at `seed`."
    ims, E = [], []
    for space in ('full', 'shared'):
        ds = make_dataset('avatars', 'train', n, size, seed, space=space)
        keep = np.isin(ds.domain, names)
        ims.append(ds.images[keep])
        E.append(ds.expr[keep])
    return np.concatenate(ims), np.concatenate(E)


def relabel(E: np.ndarray, jaw: str) -> np.ndarray:
    "`E` as sampled ('sampled') or with the jaw's sides as the face shows them ('net', `net_jaw`)."
    if jaw == 'sampled':
        return E
    if jaw != 'net':
        raise SystemExit(f"--jaw must be sampled or net, not {jaw!r}")
    from decoder_variants import net_jaw  # tools/ is on the path of a script run from it

    return net_jaw(E, EXPRESSIONS.index('jawLeft'), EXPRESSIONS.index('jawRight'))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', type=Path)
    p.add_argument('--renders', type=int, default=1500, help='avatar renders per space (0: none)')
    p.add_argument('--render-seed', type=int, default=None, help="default: the data seed + 1")
    p.add_argument('--jaw', default='sampled', help="jaw labels: sampled or net (see relabel)")
    p.add_argument('--dv', type=Path, default=Path('out/dv_shipped'), help="decoder rows' cache")
    p.add_argument(
        '--aligned-human',
        action='store_true',
        help="the human's renders aligned as a face crop is (tools/aligned_human.py)",
    )
    p.add_argument('--set', action='append', default=[], metavar='FIELD=VALUE', help='ReaderConfig')
    p.add_argument('--augment', type=float, default=None, help='P: mirror and colour jitter')
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    run = RunConfig.from_preset('cpu')
    run = dataclasses.replace(
        run, reader=dataclasses.replace(run.reader, **overrides(run.reader, a.set))
    )
    d, names = run.data, list(load_avatars())
    actors = reader_sets(run)['actors/train/reader']
    images, E = actors.images, actors.expr
    if a.renders:
        seed = d.seed + 1 if a.render_seed is None else a.render_seed
        # --aligned-human: the other avatars' renders, then as many human ones framed as a face
        posed = [n for n in names if n != 'human'] if a.aligned_human else names
        ri, re = avatar_renders(posed, a.renders, d.size, seed)
        if a.aligned_human:
            hi, he = aligned_set(load_avatars()['human'], a.renders // len(names), d.size, seed)
            ri, re = np.concatenate([ri, hi]), np.concatenate([re, he])
        images, E = np.concatenate([images, ri]), np.concatenate([E, re])
        print(f"{len(actors)} actors + {len(ri)} avatar renders (seed {seed})", flush=True)
    real = make_dataset('real', 'train', None, d.size, d.seed)
    E, real_E = relabel(E, a.jaw), relabel(real.expr, a.jaw)
    if a.augment is not None:
        region_reader.reader_batch = augmenting(a.augment)
    reader = train_reader(run.reader, images, E, (real.images, real_E))
    held = make_dataset('actors', 'heldout', d.n_heldout, d.size, d.seed, augment=d.augment)
    res = {'renders': a.renders, 'jaw': a.jaw, 'set': a.set, 'aligned_human': a.aligned_human}
    res['augment'] = a.augment
    res['minutes'] = reader.metrics['minutes']
    val = probe_faces(d, 'val', d.n_heldout)
    res['val'] = reader_scores(reader, val.images, relabel(val.expr, a.jaw))
    res['heldout'] = reader_scores(reader, held.images, relabel(held.expr, a.jaw))
    # the decoder's own render rows (the data seed's, which this reader did not train on)
    for space in ('full', 'shared'):
        ds = make_dataset('avatars', 'train', d.n_avatars, d.size, d.seed, space=space)
        for name in names:
            m = ds.domain == name
            got = reader_scores(reader, ds.images[m], relabel(ds.expr[m], a.jaw))
            res[f'renders_{space}_{name}'] = got
    # the human aligned as a face crop, at a seed no reader trained on
    ai, ae = aligned_set(load_avatars()['human'], d.n_avatars // len(names), d.size, d.seed + 2)
    res['renders_aligned_human'] = reader_scores(reader, ai, relabel(ae, a.jaw))
    reader.save(a.out / 'reader.pt')
    (a.out / 'results.json').write_text(json.dumps(res, indent=1))
    short = {k: v['readable'] for k, v in res.items() if isinstance(v, dict)}
    print(json.dumps(short), flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
