#!/usr/bin/env python
"""How much one recipe's figures move with the decoder's seed alone (#29): the shipped encoder and
renderers, the `cpu` decoder recipe retrained with each seed into its own weights folder, ready for
`freeavatar bench --weights`.

.venv/bin/python tools/seed_spread.py 1 2 --out out/seeds      # about 1.5 minutes a seed on 2 cores
.venv/bin/python tools/seed_spread.py 0 1 --set w_real=0.6 --out out/wreal  # a change, two seeds
.venv/bin/freeavatar bench --weights out/seeds/seed1 --json out/seeds/seed1.json

Not part of the package; the rows `decoder-seed-1` and `decoder-seed-2` of the experiment log were
made with it.
"""

from __future__ import annotations
import argparse
import dataclasses
import shutil
import time
from pathlib import Path
import torch
from freeavatar.assets import default_weights
from freeavatar.avatars import load_avatars
from freeavatar.animator_train import train_animator
from freeavatar.expression import ExpressionEncoder
from freeavatar.neural_renderer import NeuralRenderer
from freeavatar.run_config import RunConfig

COPIED = (
    'expression.pt',
    'manifest.json',
    'renderer_human.pt',
    'renderer_toon.pt',
    'renderer_creature.pt',
)


def overrides(cfg, pairs: list[str]) -> dict:
    "`FIELD=VALUE` strings as typed overrides of `cfg`'s fields (the type of the field's default)."
    out = {}
    for pair in pairs:
        k, _, v = pair.partition('=')
        if not hasattr(cfg, k):
            raise SystemExit(f"--set {pair}: {type(cfg).__name__} has no field {k!r}")
        kind = type(getattr(cfg, k))
        out[k] = v.lower() in ('1', 'true', 'yes') if kind is bool else kind(v)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('seeds', type=int, nargs='+')
    p.add_argument('--out', default='out/seeds')
    p.add_argument('--weights', default=None, help='default: data/weights')
    p.add_argument(
        '--set',
        action='append',
        default=[],
        metavar='FIELD=VALUE',
        help='an AnimatorConfig field to change as well (e.g. w_real=0.6), repeatable',
    )
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    src = Path(a.weights) if a.weights else default_weights()
    run = RunConfig.from_preset('cpu')
    for seed in a.seeds:
        out = Path(a.out) / f'seed{seed}'
        out.mkdir(parents=True, exist_ok=True)
        for f in COPIED:
            shutil.copy(src / f, out / f)
        enc = ExpressionEncoder.load(out / 'expression.pt')
        avs = list(load_avatars().values())
        rens = [NeuralRenderer.load(out / f'renderer_{av.name}.pt', av) for av in avs]
        cfg = dataclasses.replace(run.animator, seed=seed, **overrides(run.animator, a.set))
        t0 = time.time()
        _, _, m = train_animator(
            enc, cfg, run.renderer, run.data, out, avatars=avs, renderers=rens, log=lambda s: None
        )
        rig = {k: round(v['mae'], 4) for k, v in m['eval']['rig'].items()}
        print(f"seed {seed}: {time.time() - t0:.0f} s, held-out rig error {rig} -> {out}")
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
