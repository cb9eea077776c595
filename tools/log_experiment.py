#!/usr/bin/env python
"""Append one row to the experiment log, `data/results/experiments.csv`, from a bench JSON (#29).

.venv/bin/python tools/log_experiment.py BENCH_JSON --name NAME --change "what changed" \
    [--commit SHA] [--minutes M] [--kept yes|no] [--note "why"]

Every figure in the row is read from BENCH_JSON (written by `freeavatar bench --json`), none is
typed: rig error per avatar on held-out actors, the human channels read at r >= 0.5, the worst of
the 8 key real channels pooled and per clip, the resting bias, the held-out triplet accuracies and
the training minutes. A row with an existing NAME is replaced, so re-logging a run is idempotent.
Not part of the package.
"""

from __future__ import annotations
import argparse
import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / 'data' / 'results' / 'experiments.csv'
FIELDS = [
    'name', 'date', 'commit', 'change', 'train_minutes',
    'rig_human', 'rig_toon', 'rig_creature', 'human_channels_r05',
    'real_worst_key_r', 'real_worst_clip_r', 'neutral_bias_worst',
    'triplet_actors', 'triplet_cross', 'triplet_real', 'kept', 'note',
]  # fmt: skip


def figures(bench: dict) -> dict:
    "The log's measured columns, read from one `freeavatar bench --json` result."
    r, e = bench['retarget'], bench['expression']['triplet_acc']
    readable = r['readable_human_channels']
    return {
        'train_minutes': bench.get('training_minutes', ''),
        **{f'rig_{k}': v for k, v in r['rig_mae'].items()},
        'human_channels_r05': len(readable) if isinstance(readable, list) else readable,
        'real_worst_key_r': min(r['real_r'].values()),
        'real_worst_clip_r': min(r['real_r_worst_clip'].values()),
        'neutral_bias_worst': r['neutral_bias_worst'],
        'triplet_actors': e['synthetic_heldout'],
        'triplet_cross': e['cross_domain'],
        'triplet_real': e['real_heldout'],
    }


def read_log(path: Path = LOG) -> list[dict]:
    "The experiment log's rows (empty when there is no log yet)."
    if not path.exists():
        return []
    with path.open(newline='') as f:
        return list(csv.DictReader(f))


def log_row(row: dict, path: Path = LOG) -> list[dict]:
    "Add `row` to the log at `path`, replacing a row of the same name; returns all rows."
    rows = [r for r in read_log(path) if r['name'] != row['name']] + [row]
    with path.open('w', newline='') as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows({k: r.get(k, '') for k in FIELDS} for r in rows)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('bench', type=Path)
    p.add_argument('--name', required=True)
    p.add_argument('--change', required=True)
    p.add_argument('--date', default='')
    p.add_argument('--commit', default='')
    p.add_argument('--kept', default='')
    p.add_argument('--note', default='')
    p.add_argument('--minutes', default=None)
    a = p.parse_args(argv)
    try:
        bench = json.loads(a.bench.read_text())
        row = figures(bench)
    except (OSError, ValueError, KeyError) as err:
        raise SystemExit(f'log_experiment: {a.bench}: not a readable bench JSON ({err!r})') from err
    if a.minutes is not None:
        row['train_minutes'] = a.minutes
    row.update(name=a.name, date=a.date, commit=a.commit, change=a.change, kept=a.kept, note=a.note)
    log_row(row)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
