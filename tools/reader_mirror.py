#!/usr/bin/env python
"""The shipped region reader read twice, on a crop and on its mirror image (the channels' sides
swapped back), averaged: does a test-time mirror make the reading more exact (#29)? About 2 min.

.venv/bin/python tools/reader_mirror.py out/exp/reader_mirror

Writes OUT/results.json in `tools/triplet_head.py`'s row format (triplet accuracy of the reading
times the visual weights on the validation and held-out sets), each row with the reader's channels
at r >= 0.5, mean r and mean absolute error on the probe's validation faces and held-out actors.
Rows: `plain` (the reader as shipped), `mirror` (the mirror image alone) and `plain+mirror`.
Not part of the package; the experiment-log row `reader-test-time-mirror` was made with it.
"""

from __future__ import annotations
import argparse
import json
import warnings
from pathlib import Path
import numpy as np
import torch
from freeavatar.animator_data import pearson
from freeavatar.arkit import EXPRESSIONS
from freeavatar.assets import default_weights
from freeavatar.datasets import DataConfig
from freeavatar.probe import probe_faces
from freeavatar.region_reader import RegionReader, reader_outputs
from freeavatar.triplet_sets import heldout_sets
from freeavatar.triplets import visual_weights
from triplet_head import SOURCES, scores, val_sets  # tools/ is on the path of a script run from it


def mirrored(name: str) -> str:
    "The channel of the other side ('jawLeft' -> 'jawRight'); a centre channel is itself."
    return name.replace('Left', '#').replace('Right', 'Left').replace('#', 'Right')


SWAP = [EXPRESSIONS.index(mirrored(c)) for c in EXPRESSIONS]


def readings(reader: RegionReader, images: np.ndarray) -> dict[str, np.ndarray]:
    "{'plain', 'mirror', 'plain+mirror'}: (N, 25) readings of `images`."
    plain = reader_outputs(reader, images)
    mirror = reader_outputs(reader, np.ascontiguousarray(images[:, :, ::-1]))[:, SWAP]
    return {'plain': plain, 'mirror': mirror, 'plain+mirror': (plain + mirror) / 2}


def channel_figures(P: np.ndarray, E: np.ndarray) -> dict:
    "Channels at r >= 0.5, their mean r and the mean absolute error of the clipped reading."
    r = [pearson(P[:, j], E[:, j]) for j in range(E.shape[1])]
    return {
        'readable': int(sum(v >= 0.5 for v in r)),
        'mean_r': round(float(np.nanmean(r)), 3),
        'mae': round(float(np.abs(np.clip(P, 0, 1) - E).mean()), 4),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', type=Path)
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    warnings.simplefilter('ignore')
    a.out.mkdir(parents=True, exist_ok=True)
    reader = RegionReader.load(default_weights() / 'reader.pt')
    dc, W = DataConfig.cpu(), visual_weights()
    groups = {'val': val_sets(dc.size), 'heldout': heldout_sets(dc.size)}
    faces = {s: probe_faces(dc, s, dc.n_heldout) for s in ('val', 'heldout')}
    rows = {k: {'variant': k} for k in ('plain', 'mirror', 'plain+mirror')}
    for g, sets in groups.items():
        for s in SOURCES:
            for k, R in readings(reader, sets[s].images).items():
                rows[k].setdefault(g, {})[s] = scores(R * W, sets[s])
        for k, R in readings(reader, faces[g].images).items():
            rows[k][f'{g}_channels'] = channel_figures(R, faces[g].expr)
    for r in rows.values():
        print(r['variant'], r['val_channels'], r['heldout_channels'])
        print('  triplets held out', [r['heldout'][s]['all'] for s in SOURCES])
    (a.out / 'results.json').write_text(json.dumps(list(rows.values()), indent=1))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
