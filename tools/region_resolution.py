#!/usr/bin/env python
"""Do the eyes and the mouth at twice the resolution carry the channels the 112 px crop hides?
(#29, the last lead of the lab note *Why eight channels stay unreadable*.)

.venv/bin/python tools/region_resolution.py out/exp/region_res   # two readers, ~10 min
.venv/bin/python tools/region_resolution.py out/exp/region_res --more 12000 --arms upsampled

Every face is rendered once, as the actors are (`render_actor`, the training nuisance strength),
at 224 px; its 112 px crop is the same image shrunk (INTER_AREA), so both arms see the same pose,
light, clutter and blur. The eyes-with-brows and the mouth-with-jaw boxes (`region_encoder`'s
BOXES) are cut from each: at 224 px as they are (*native*), from the 112 px crop upsampled 2x
(*upsampled*), so the two arms have the same number of pixels and the same network; only the
detail differs. One small CNN per box, trained from scratch on the plain regression of all 25
channels (unweighted, so the small channels count as much as the large), scored by each channel's
r on new faces of training identities (`val`) and on held-out identities (`heldout`).

`--more N` adds N training faces, rendered the same way and kept at 112 px only (so for the
upsampled arm alone). Writes OUT/results.json, one entry per reader (ARM-FACES-STEPS-seedS: per
split, each channel's r, channels at r >= 0.5, mean r, the ten weak channels' mean r; minutes),
and caches the renders in OUT/faces_*.npz and OUT/more_*.npz. Not part of the package; the
experiment log's `boxes-*` rows were made with it (defaults, then --more 12000 and 44000).
"""

from __future__ import annotations
import argparse
import json
import time
import warnings
from pathlib import Path
import cv2
import numpy as np
import torch
import torch.nn.functional as F
from freeavatar import region_reader
from freeavatar.actors import identity_ids, render_actor
from freeavatar.animator_data import pearson
from freeavatar.arkit import EXPRESSIONS
from freeavatar.datasets import DataConfig
from freeavatar.expressions import sample_expressions
from freeavatar.probe import VAL_SEED
from region_encoder import BOXES  # tools/ is on the path of a script run from it

WEAK = (
    'jawLeft jawRight mouthStretchLeft mouthStretchRight mouthPucker cheekPuff '
    'noseSneerLeft noseSneerRight eyeWideLeft eyeWideRight'
).split()


def render_faces(n: int, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    "`n` actors of `split`'s identities at 224 px, the training nuisances: (images, expressions)."
    rng = np.random.default_rng(seed)
    E = sample_expressions(n, rng)
    ids = rng.choice(identity_ids(split), n)
    aug = DataConfig.cpu().augment
    imgs = np.stack([render_actor(int(i), e, 224, rng, augment=aug)[0] for i, e in zip(ids, E)])
    return imgs, E


def shrink(imgs: np.ndarray) -> np.ndarray:
    "224 px renders -> their 112 px copies (as they are if already 112 px)."
    if imgs.shape[1] == 112:
        return imgs
    return np.stack([cv2.resize(im, (112, 112), interpolation=cv2.INTER_AREA) for im in imgs])


def boxes(imgs: np.ndarray, arm: str) -> dict[str, torch.Tensor]:
    """Each box as a uint8 tensor (N, 3, h, w) at 224 px scale: cut from the 224 px image
    ('native') or from its 112 px copy and upsampled 2x ('upsampled')."""
    out, small = {}, shrink(imgs) if arm != 'native' else None
    for k, (top, bot, left, right) in BOXES.items():
        if arm == 'native':
            b = imgs[:, 2 * top : 2 * bot, 2 * left : 2 * right]
        else:
            b = small[:, top:bot, left:right]
            b = np.stack(
                [cv2.resize(x, None, fx=2, fy=2, interpolation=cv2.INTER_LINEAR) for x in b]
            )
        out[k] = torch.from_numpy(b).permute(0, 3, 1, 2).contiguous()
    return out


class BoxNet(region_reader.BoxNet):
    """The package's box CNN (`35_region_reader`), fed this tool's uint8 boxes: centred here as
    `box_inputs` centres the package's own."""

    def forward(self, xs: dict) -> torch.Tensor:
        return super().forward({k: (v.float() - 128) / 64 for k, v in xs.items()})


def train_arm(X: dict, E: np.ndarray, steps: int, batch: int, seed: int, p=None) -> BoxNet:
    """Regress all 25 channels from the boxes: AdamW, warm-up then cosine, MSE; each batch drawn
    uniformly, or with row probabilities `p`."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = BoxNet()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    y = torch.from_numpy(E)
    for step in range(steps):
        lr = 2e-3 * min(1, (step + 1) / 100) * 0.5 * (1 + np.cos(np.pi * step / steps))
        for g in opt.param_groups:
            g['lr'] = lr
        i = torch.from_numpy(rng.choice(len(E), batch, replace=False, p=p))
        loss = F.mse_loss(net({k: v[i] for k, v in X.items()}), y[i])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (step + 1) % max(1, steps // 10) == 0:
            print(f"  step {step + 1}/{steps} loss {loss.item():.4f}", flush=True)
    return net.eval()


@torch.no_grad()
def predict(net: BoxNet, X: dict, batch: int = 256) -> torch.Tensor:
    "The reader's 25 outputs for the faces of `X`, in batches."
    n = len(next(iter(X.values())))
    return torch.cat([net({k: v[i : i + batch] for k, v in X.items()}) for i in range(0, n, batch)])


def per_channel_r(net: BoxNet, X: dict, E: np.ndarray) -> dict:
    "Each channel's r, predicted against true, over the faces of `X`."
    P = predict(net, X)
    return {
        c: round(float(pearson(P[:, j].numpy(), E[:, j])), 3) for j, c in enumerate(EXPRESSIONS)
    }


def summary(r: dict) -> dict:
    "Channels at r >= 0.5, mean r over all 25 and over the ten weak ones."
    v = np.array([np.nan_to_num(x) for x in r.values()])
    return {
        'readable': int((v >= 0.5).sum()),
        'mean_r': round(float(v.mean()), 3),
        'weak_mean_r': round(float(np.mean([np.nan_to_num(r[c]) for c in WEAK])), 3),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', type=Path)
    p.add_argument('--train', type=int, default=4000, help='training faces')
    p.add_argument('--test', type=int, default=800, help='faces per scored split')
    p.add_argument('--more', type=int, default=0, help='this many more training faces (112 px)')
    p.add_argument('--arms', default='upsampled,native')
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    warnings.simplefilter('ignore')
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    d = cached(a.out / f'faces_{a.train}_{a.test}_seed{a.seed}.npz', lambda: faces(a))
    if a.more:
        m = cached(a.out / f'more_{a.more}_seed{a.seed}.npz', lambda: more_faces(a))
        # the extra faces exist at 112 px only: the upsampled arm alone can use them
        d['train_x'] = np.concatenate([shrink(d['train_x']), m['x']])
        d['train_e'] = np.concatenate([d['train_e'], m['e']])
    out = a.out / 'results.json'
    res = json.loads(out.read_text()) if out.exists() else {}
    for arm in a.arms.split(','):
        key = f"{arm}-{len(d['train_e'])}-{a.steps}-seed{a.seed}"
        t1 = time.time()
        print(key, flush=True)
        net = train_arm(boxes(d['train_x'], arm), d['train_e'], a.steps, a.batch, a.seed)
        res[key] = {'minutes': round((time.time() - t1) / 60, 2)}
        for split in ('train', 'val', 'heldout'):
            n = a.test if split == 'train' else None  # the fit on as many training faces
            r = per_channel_r(net, boxes(d[f'{split}_x'][:n], arm), d[f'{split}_e'][:n])
            res[key][split] = {**summary(r), 'r': r}
            print(f"  {split}: {res[key][split] | {'r': '...'}}", flush=True)
        out.write_text(json.dumps(res, indent=1))
    print(f"{'val r':18s}", *(f"{k.split('-seed')[0]:>22s}" for k in res))
    for c in WEAK + ['eyeBlinkLeft', 'jawOpen', 'browDownLeft']:
        print(f"{c:18s}", *(f"{v['val']['r'][c]:22.2f}" for v in res.values()))
    print(f"minutes in all {(time.time() - t0) / 60:.1f}")
    return 0


def cached(path: Path, make) -> dict:
    "The arrays of `path`, made by `make()` and saved there the first time."
    if not path.exists():
        np.savez(path, **make())
    return dict(np.load(path))


def faces(a) -> dict:
    "The training, validation and held-out faces at 224 px."
    d, t0 = {}, time.time()
    for name, n, split, seed in (
        ('train', a.train, 'train', a.seed),
        ('val', a.test, 'train', a.seed + VAL_SEED),
        ('heldout', a.test, 'heldout', a.seed + 2 * VAL_SEED),
    ):
        d[f'{name}_x'], d[f'{name}_e'] = render_faces(n, split, seed)
        print(f"rendered {name}: {n} faces, {(time.time() - t0) / 60:.1f} min", flush=True)
    return d


def more_faces(a, chunk: int = 1000) -> dict:
    "`a.more` further training faces, rendered at 224 px and kept at 112 px."
    xs, es = [], []
    for i in range(0, a.more, chunk):
        x, e = render_faces(min(chunk, a.more - i), 'train', a.seed + 3 * VAL_SEED + i)
        xs.append(shrink(x))
        es.append(e)
    return {'x': np.concatenate(xs), 'e': np.concatenate(es)}


if __name__ == '__main__':
    raise SystemExit(main())
