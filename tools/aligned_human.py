#!/usr/bin/env python
"""Does the rig decoder read more of a face when the human avatar's renders are framed as faces
are? (#29)

.venv/bin/python tools/aligned_human.py out/dv_paired --seeds 0 1 2   # after decoder_variants

Every face the decoder is used on is an *aligned crop*: a real frame or a rendered actor is warped
so that its rigid landmarks land on `crop_template` (`11_faces`, `22_actors`), and the region
reader's boxes are fixed places in that crop. The avatars' renders, from which the decoder learns
its map to each rig, are framed by each avatar's own camera instead; the human's fills more of the
crop than an aligned face does (its mouth box cuts the chin, where a sideways jaw shows). The human
avatar has the canonical mesh's landmarks, so its renders can be aligned exactly as an actor is.

The tool draws a new set of the human's rig rows (the package's counts and samplers: 3,000 frontal
reference renders, and the posed renders of the `avatars` data sets in both spaces), renders each
twice, as the package does (`plain`) and aligned as an actor crop is (`aligned`), reads both with
the shipped encoder and region reader, puts each in place of the human's rows of
`decoder_variants`' cache (OUT/rows.npz, made with `--shipped-reader`; the toon's and the
creature's rows unchanged) and trains the `cpu` decoder recipe on each (`drop0.35-renders`),
scored as `decoder_variants` scores. `plain` is the control: the same draws, the package's framing.
Results are appended to OUT/results.jsonl as `aligned-human-<arm><tag>-seed<k>`.

`--reader R` reads with another region reader (OUT must then be `decoder_variants`' cache made with
`--package-reader R`), e.g. one trained on aligned human renders (`tools/reader_renders.py
--aligned-human`), so that reader and decoder both see the human framed as a face. Not part of the
package.

Since 2026-12-07 the package frames the human as this tool's `aligned` arm does (`face_camera` and
`render_crop` in `15_human`, used by the data sets), so with the package as it is now `plain` is
the human through `face_camera`, unaligned; the experiment-log rows `aligned-human-*` and
`decoder-reader-aligned-human*` were made before, when `plain` was the package's framing.
"""

from __future__ import annotations
import argparse
import sys
from pathlib import Path
import numpy as np
import torch
from freeavatar.assets import default_weights
from freeavatar.avatars import load_avatars
from freeavatar.expression import ExpressionEncoder
from freeavatar.expressions import sample_expressions, sample_shared
from freeavatar.neural_renderer_train import random_controls
from freeavatar.region_reader import ReadingEncoder, RegionReader
from freeavatar.run_config import RunConfig

sys.path.insert(0, str(Path(__file__).parent))
import decoder_variants as dv  # noqa: E402


def aligned_render(av, c, size: int, pose, background) -> np.ndarray:
    """The human avatar `av` with controls `c` as an aligned face crop: the package's
    `HumanAvatar.render_crop` since 2026-12-07 (this tool's own copy of it before)."""
    return av.render_crop(c, size=size, pose=tuple(pose), background=background)


def human_draws(av, n_refs: int, n_posed: int, seed: int) -> list[tuple]:
    """(controls, expression or None, pose, background) of the human's rig rows: `n_refs` frontal
    renders (the reference renders' sampler) and `n_posed` posed ones a space (the data sets')."""
    rng = np.random.default_rng(seed + 4242)
    draws = []
    if n_refs:
        E = av.semantic(sample_expressions(n_refs, rng))
        draws = [
            (c, None, (0.0, 0.0, 0.0), None) for c in random_controls(n_refs, len(E[0]), rng, E)
        ]
    for E in (sample_expressions(n_posed, rng), sample_shared(n_posed, rng)):
        for e in E:
            pose = (rng.uniform(-15, 15, 3) * [1, 0.6, 0.5]).astype(np.float32)
            draws.append((av.semantic(e), e, pose, tuple(rng.uniform(0.1, 0.9, 3))))
    return draws


def aligned_set(av, n: int, size: int, seed: int) -> tuple:
    """(images, expressions) of `n` posed renders a space (both spaces) of the human avatar `av`,
    aligned as a face crop is: the reader's avatar renders with the human's framing changed."""
    draws = human_draws(av, 0, n, seed)
    ims = np.stack([aligned_render(av, c, size, p, bg) for c, _, p, bg in draws])
    return ims, np.stack([e for _, e, _, _ in draws]).astype(np.float32)


def human_rows(enc, av, draws: list, size: int, aligned: bool) -> dict:
    "Features, controls and expressions of the draws rendered plain or aligned."
    render = (
        aligned_render
        if aligned
        else (
            lambda av, c, size, pose, bg: av.render(c, size=size, pose=tuple(pose), background=bg)
        )
    )
    ims = np.stack([render(av, c, size, p, bg) for c, _, p, bg in draws])
    E = np.stack([np.full(25, np.nan, np.float32) if e is None else e for _, e, _, _ in draws])
    C = np.stack([c for c, *_ in draws]).astype(np.float32)
    return {'F': enc.features(ims), 'C': C, 'E': E.astype(np.float32), 'images': ims}


def with_human(d: dict, a: int, rows: dict) -> dict:
    "The cached rows `d` with avatar `a`'s rig rows replaced by `rows`."
    keep = d['k'] != a
    width = d['C'].shape[1]
    C = np.pad(rows['C'], ((0, 0), (0, width - rows['C'].shape[1])))
    return d | {
        'F': np.concatenate([d['F'][keep], rows['F']]),
        'k': np.concatenate([d['k'][keep], np.full(len(C), a)]),
        'C': np.concatenate([d['C'][keep], C]),
        'E': np.concatenate([d['E'][keep], rows['E']]),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', type=Path, help="a decoder_variants --shipped-reader OUT (its rows.npz)")
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--arms', nargs='+', default=['plain', 'aligned'])
    p.add_argument(
        '--reader', type=Path, help="a reader.pt (default: the shipped one); OUT's rows must be its"
    )
    p.add_argument('--tag', default='', help='appended to each result name')
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    w = default_weights()
    enc = ReadingEncoder(
        ExpressionEncoder.load(w / 'expression.pt'), RegionReader.load(a.reader or w / 'reader.pt')
    )
    avatars = list(load_avatars().values())
    names = [av.name for av in avatars]
    h = names.index('human')
    run = RunConfig.from_preset('cpu')
    d = dict(np.load(a.out / 'rows.npz'))
    n_posed = run.data.n_avatars // len(avatars)
    draws = human_draws(avatars[h], run.animator.n_refs, n_posed, run.data.seed)
    for arm in a.arms:
        rows = human_rows(enc, avatars[h], draws, run.data.size, arm == 'aligned')
        np.save(a.out / f'human_{arm}_sample.npy', rows['images'][3000::97][:12])
        d2 = with_human(d, h, rows)
        for seed in a.seeds:
            res = dv.run(
                f'aligned-human-{arm}{a.tag}-seed{seed}',
                d2,
                enc,
                avatars,
                set=dict(feat_dropout=0.35, seed=seed),
            )
            dv.report(res, a.out)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
