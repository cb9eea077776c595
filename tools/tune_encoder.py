#!/usr/bin/env python
"""An encoder-only experiment (#29): the shipped MAE tuned by the `cpu` triplet recipe, changed,
saved for `freeavatar probe` (no animator, so minutes not half an hour).

.venv/bin/python tools/tune_encoder.py out/exp/a12k_s0 --actors 12000 --seed 0   # about 10 min
.venv/bin/python tools/tune_encoder.py out/exp/alone --alone 3000  # + one channel alone
.venv/bin/freeavatar probe --encoder out/exp/a12k_s0/expression.pt --split val --json P.json
.venv/bin/python tools/log_experiment.py --probe-val P.json --probe-heldout H.json --name ...

Writes OUT/expression.pt (with its loss history) and OUT/metrics.json (held-out triplets after
each round, minutes). Not part of the package; the rows `actors-4k-*`, `actors-12k-*`,
`one-channel-alone-*` and `encoder-*` of the experiment log were made with it.

The recipe is the package's `ExprConfig.cpu()` as it is now: since 2026-12-07 its log-ratio weight
is 3, so the rows made before that date (all but `encoder-log-ratio-*`, which set the weight
themselves) are reproduced with `--set ratio=1.0`.
"""

from __future__ import annotations
import argparse
import dataclasses
import json
import time
import warnings
from pathlib import Path
import numpy as np
import torch
from freeavatar.assets import default_weights
from freeavatar.datasets import DataConfig
from freeavatar.expression import ExprConfig
from freeavatar.expression_train import train_expression, training_sets
from freeavatar.actors import identity_ids, render_actor
from freeavatar.arkit import EXPRESSIONS
from freeavatar.triplets import make_triplets, visual_weights
from freeavatar.triplet_sets import TripletSet
from seed_spread import overrides  # tools/ is on the path of a script run from it


def alone_set(n: int, n_triplets: int, size: int, seed: int, augment: float) -> TripletSet:
    """`n` training actors each showing one expression channel alone (drawn uniformly from all 25,
    at 0.3-1), rendered with the actors' nuisances, and `n_triplets` triplets over them."""
    rng = np.random.default_rng(seed + 555)
    E = np.zeros((n, len(EXPRESSIONS)), np.float32)
    E[np.arange(n), rng.integers(len(EXPRESSIONS), size=n)] = rng.uniform(0.3, 1, n)
    ident = rng.choice(identity_ids('train'), n)
    imgs = np.stack(
        [render_actor(int(i), e, size, rng, augment=augment)[0] for i, e in zip(ident, E)]
    )
    trip = make_triplets(E * visual_weights(), n_triplets, rng, 'actors', group=ident)
    return TripletSet(imgs, E, np.full(n, 'actor'), ident, trip)


def experiment_parser(doc: str) -> argparse.ArgumentParser:
    "The options every encoder experiment takes: OUT, --seed, --mae, --threads, --set."
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument('out', type=Path)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--mae', type=Path, default=None, help='default: data/weights/mae.pt')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--set', action='append', default=[], metavar='FIELD=VALUE')
    return p


def experiment_setup(a: argparse.Namespace) -> tuple[ExprConfig, Path]:
    """Threads, warnings and OUT as the options say; the `cpu` tuning config with the seed and
    --set applied, and the MAE to start from."""
    torch.set_num_threads(a.threads)
    warnings.simplefilter('ignore')
    a.out.mkdir(parents=True, exist_ok=True)
    c = ExprConfig.cpu()
    c = dataclasses.replace(c, seed=a.seed, **overrides(c, a.set))
    return c, a.mae or default_weights() / 'mae.pt'


def main(argv=None) -> int:
    p = experiment_parser(__doc__)
    p.add_argument('--actors', type=int, default=DataConfig.cpu().n_actors, help='training actors')
    p.add_argument(
        '--alone',
        type=int,
        default=0,
        help='add this many training actors showing one channel alone, as a source of their own',
    )
    p.add_argument('--alone-share', type=float, default=0.15, help="their share of each batch")
    a = p.parse_args(argv)
    c, mae = experiment_setup(a)
    t0 = time.time()
    dc = dataclasses.replace(DataConfig.cpu(), n_actors=a.actors)
    sets = None
    if a.alone:
        sets = training_sets(dc.size, c, dc)
        sets['alone'] = alone_set(a.alone, c.n_train, dc.size, a.seed, dc.augment)
        # taken from the synthetic actors' share, so the real and cross-domain shares stay
        mix = dict(c.mix)
        mix['actors'] -= a.alone_share
        c = dataclasses.replace(c, mix=tuple({**mix, 'alone': a.alone_share}.items()))
    _, m = train_expression(mae, c, a.out, sets=sets, data_cfg=dc)
    m['minutes'] = round((time.time() - t0) / 60, 2)
    (a.out / 'metrics.json').write_text(json.dumps(m, indent=1))
    print(json.dumps(m), flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
