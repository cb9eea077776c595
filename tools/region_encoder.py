#!/usr/bin/env python
"""An encoder experiment (#29, the lead "region tokens"): the shipped MAE's ViT plus a small CNN
that reads the eyes-and-brows and the mouth boxes of the crop at twice the size, its features
concatenated to the ViT's pooled tokens; tuned by the `cpu` triplet recipe, then probed.

.venv/bin/python tools/region_encoder.py out/exp/regions --seed 0  # 39 min beside a CI run

The encoder is not an `ExpressionEncoder` checkpoint the animator can load (it has a second
stem), so the experiment stops at the probe: OUT/probe_val.json and OUT/probe_heldout.json
(`freeavatar probe`'s figures, both splits) for `tools/log_experiment.py`, and OUT/metrics.json
(held-out triplets, minutes). Not part of the package; the row `regions-2x-seed-0` of the
experiment log was made with it.
"""

from __future__ import annotations
import json
import time
import torch
import torch.nn as nn
import torch.nn.functional as F
import freeavatar.expression_train as et
from freeavatar.core import set_seed, rounded
from freeavatar.datasets import DataConfig
from freeavatar.expression import ExpressionEncoder, ExprConfig
from freeavatar.mae import MAE
from freeavatar.probe import probe
from freeavatar.triplet_sets import evaluate, heldout_sets
from tune_encoder import experiment_parser, experiment_setup  # tools/ is on the path

# (top, bottom, left, right) in a 112 px crop: the eyes with the brows, and the mouth with the jaw
BOXES = {'eyes': (18, 58, 14, 98), 'mouth': (58, 104, 22, 90)}
REGION_DIM = 96  # features per box


class RegionStem(nn.Module):
    "Each box of the crop at 2x through a 4-layer CNN, pooled to a 3 x 4 grid: (B, 2 * REGION_DIM)."

    def __init__(self, size: int):
        super().__init__()
        self.boxes = {k: tuple(round(v * size / 112) for v in b) for k, b in BOXES.items()}
        w = (16, 32, 32, 8)
        layers, c = [], 3
        for i, o in enumerate(w):
            layers += [nn.Conv2d(c, o, 3, stride=2 if i < 3 else 1, padding=1), nn.GELU()]
            c = o
        self.cnn = nn.Sequential(*layers[:-1], nn.AdaptiveAvgPool2d((3, 4)))
        self.proj = nn.ModuleDict({k: nn.Linear(8 * 12, REGION_DIM) for k in BOXES})

    def forward(self, x):
        out = []
        for k, (top, bot, left, right) in self.boxes.items():
            crop = F.interpolate(x[:, :, top:bot, left:right], scale_factor=2, mode='bilinear')
            out.append(self.proj[k](self.cnn(crop).flatten(1)))
        return torch.cat(out, 1)


class RegionEncoder(ExpressionEncoder):
    "The expression encoder with the region stem's features beside the pooled ViT tokens."

    def __init__(self, cfg, emb_dim: int = 16, n_expr: int = 25):
        super().__init__(cfg, emb_dim, n_expr)
        self.regions = RegionStem(cfg.img_size)
        self.feat_dim += 2 * REGION_DIM
        self.head = nn.Sequential(nn.LayerNorm(self.feat_dim), nn.Linear(self.feat_dim, emb_dim))
        self.expr_head = nn.Linear(self.feat_dim, n_expr)

    def forward_features(self, x):
        return torch.cat([super().forward_features(x), self.regions(x)], 1)


def region_optimizer(enc: ExpressionEncoder, c: ExprConfig):
    "`tuning_optimizer` with every part outside the ViT (the region stem too) in the fast group."
    head = [p for n, p in enc.named_parameters() if not n.startswith('encoder.')]
    return torch.optim.AdamW(
        [
            {'params': list(enc.encoder.parameters()), 'lr': c.lr},
            {'params': head, 'lr': c.head_lr * c.lr},
        ],
        weight_decay=c.weight_decay,
    )


def main(argv=None) -> int:
    a = experiment_parser(__doc__).parse_args(argv)
    c, mae_path = experiment_setup(a)
    et.tuning_optimizer = region_optimizer  # train_triplets builds its optimiser through it
    t0 = time.time()
    mae = MAE.load(mae_path)
    set_seed(c.seed)
    enc = RegionEncoder(mae.cfg, c.emb_dim)
    enc.encoder.load_state_dict(mae.encoder.state_dict())
    dc = DataConfig.cpu()
    sets, held = et.training_sets(dc.size, c, dc), heldout_sets(dc.size)
    hist = {'triplet': et.train_triplets(enc, sets, dict(c.mix), c, c.steps, print)}
    m = {'triplet': evaluate(enc.embed, held)}
    hist['semi'] = et.semi_round(enc, sets, c, print)
    m['semi'] = evaluate(enc.embed, held)
    m['minutes'] = round((time.time() - t0) / 60, 2)
    enc.history = rounded(hist)
    torch.save({'state_dict': enc.state_dict(), 'history': enc.history}, a.out / 'regions.pt')
    (a.out / 'metrics.json').write_text(json.dumps(m, indent=1))
    print(json.dumps(m), flush=True)
    for split, name in (('val', 'probe_val.json'), ('heldout', 'probe_heldout.json')):
        r = probe(enc, split=split)  # as `freeavatar probe` calls it
        (a.out / name).write_text(json.dumps(r, indent=1))
        print(split, r['readable'], flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
