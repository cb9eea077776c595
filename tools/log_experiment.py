#!/usr/bin/env python
"""Append one row to the experiment log, `data/results/experiments.csv`, from a bench JSON (#29).

.venv/bin/python tools/log_experiment.py BENCH_JSON --name NAME --change "what changed" \
    [--commit SHA] [--minutes M] [--kept yes|no] [--note "why"] [--probe-val P] [--probe-heldout P]
.venv/bin/python tools/log_experiment.py --probe-val P --probe-heldout P --name NAME --change ...
.venv/bin/python tools/log_experiment.py --variant out/decoder_variants/results.jsonl --name V ...
.venv/bin/python tools/log_experiment.py --boxes out/exp/region_res/results.json --result K ...
.venv/bin/python tools/log_experiment.py --triplets out/exp/triplet_head/results.json --result V ...

A decoder-only variant (`tools/decoder_variants.py`) is logged from its line of results.jsonl: the
held-out figures in their columns, its validation figures (which chose) at the head of the note.
An encoder-only experiment (no animator, so no bench) is logged from its probes alone
(`freeavatar probe --split val|heldout --json P`): the validation split's readable channels and
mean r, which choose, and the held-out ones with the triplets and real clips, which report.

Every figure in the row is read from BENCH_JSON (written by `freeavatar bench --json`), none is
typed: rig error per avatar on held-out actors, the human channels read at r >= 0.5, the worst of
the 8 key real channels pooled and per clip, the resting bias, the held-out triplet accuracies and
the training minutes. A row with an existing NAME is replaced, so re-logging a run is idempotent.
Not part of the package.
"""

from __future__ import annotations
import argparse
import csv
import datetime
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / 'data' / 'results' / 'experiments.csv'
WEAK_GAIN = 0.25  # a control that moves less than this per unit of its truth is noted
FIELDS = [
    'name', 'date', 'commit', 'change', 'train_minutes',
    'rig_human', 'rig_toon', 'rig_creature', 'human_channels_r05',
    'real_worst_key_r', 'real_worst_clip_r', 'neutral_bias_worst',
    'triplet_actors', 'triplet_cross', 'triplet_real',
    'probe_val_readable', 'probe_val_mean_r', 'probe_heldout_readable', 'probe_heldout_mean_r',
    'kept', 'note',
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


def probe_figures(val: dict | None, heldout: dict | None) -> dict:
    """The log's probe columns from `freeavatar probe --json` results of each split (either may be
    None); the held-out probe's triplet accuracies are the bench's own measure."""
    out = {}
    for split, res in (('val', val), ('heldout', heldout)):
        if res is None:
            continue
        if res.get('split', 'heldout') != split:
            raise ValueError(f"a probe of the {res.get('split')!r} split given as {split!r}")
        r = list(res['channels_r'].values())
        out[f'probe_{split}_readable'] = res['readable']
        out[f'probe_{split}_mean_r'] = round(sum(r) / len(r), 3)
    if heldout is not None:
        t = heldout['triplet_acc']
        out.update(
            triplet_actors=t['actors'],
            triplet_cross=t['cross-domain'],
            triplet_real=t['real'],
        )
    return out


def variant_figures(res: dict) -> tuple[dict, str]:
    """The log's columns from one `tools/decoder_variants.py` result (held-out actors and clips),
    and a sentence with its validation figures for the note."""
    cols = {f'rig_{a}': res[f'heldout_{a}'] for a in ('human', 'toon', 'creature')}
    cols.update(
        human_channels_r05=res['heldout_channels'],
        real_worst_key_r=res['real_pooled_worst'],
        real_worst_clip_r=res['real_clip_worst'],
    )
    if 'val_human' not in res:
        return cols, 'no validation figures (held-out only)'
    val = ' / '.join(str(res[f'val_{a}']) for a in ('human', 'toon', 'creature'))
    said = f"validation faces: rig error {val}, human channels {res['val_channels']}"
    if 'realcv' in res:
        # `--real-folds`: each key channel's r on training-clip frames its decoder did not see
        cv = ', '.join(f'{c} {v}' for c, v in res['realcv'].items())
        said += f"; training clip, {res['real_folds']}-fold by blocks: {cv}"
    if res.get('set', {}).get('w_real') == 0 and 'trainclip_r' in res:
        # no real rows trained on: the training clip is frames the decoder never saw
        cv = ', '.join(f'{c} {v}' for c, v in res['trainclip_r'].items())
        said += f"; training clip (w_real 0, so unseen): {cv}"
    if 'heldout_gain' in res:
        # a control read at r >= 0.5 but moving a fraction of its truth barely moves the face
        weak = [
            f'{c} {g}'
            for c, g in res['heldout_gain'].items()
            if res['heldout_r'][c] >= 0.5 and g < WEAK_GAIN
        ]
        said += f"; held-out channels at r >= 0.5 with a gain under {WEAK_GAIN}: "
        said += ', '.join(weak) if weak else 'none'
    return cols, said


def box_figures(res: dict) -> str:
    """The note's sentence for one reader of `tools/region_resolution.py` or `region_reader.py` (a
    CNN on the eye and mouth boxes, trained on the regression: not the encoder, so none of the
    log's columns); `region_reader` scores no training faces and `--score-only` times nothing."""
    said = []
    for split, what in (
        ('val', 'validation faces'),
        ('heldout', 'held-out actors'),
        ('train', 'its own training faces'),
    ):
        if split not in res:
            continue
        s = res[split]
        said.append(
            f"{what}: {s['readable']} channels at r >= 0.5, mean r {s['mean_r']}, "
            f"the ten weak {s['weak_mean_r']}"
        )
    return '; '.join(said) + (f" ({res['minutes']} min)" if 'minutes' in res else '')


def triplet_figures(res: dict) -> tuple[dict, str]:
    """The log's triplet columns from one `tools/triplet_head.py` row (held-out sets), and a
    sentence with its validation figures (which choose) for the note."""
    cols = {
        'triplet_actors': res['heldout']['actors']['all'],
        'triplet_cross': res['heldout']['cross-domain']['all'],
        'triplet_real': res['heldout']['real']['all'],
    }
    val = ' / '.join(str(res['val'][s]['all']) for s in ('actors', 'cross-domain', 'real'))
    one = ' / '.join(
        str(res['heldout'][s].get('one-class', '')) for s in ('actors', 'cross-domain', 'real')
    )
    said = f"validation triplets actors / cross-domain / training clip: {val}"
    return cols, said + f"; held-out one-class triplets: {one}"


def read_log(path: Path = LOG) -> list[dict]:
    "The experiment log's rows (empty when there is no log yet)."
    if not path.exists():
        return []
    with path.open(newline='') as f:
        return list(csv.DictReader(f))


def log_row(row: dict, path: Path = LOG, update: bool = False) -> list[dict]:
    """Add `row` to the log at `path`, replacing a row of the same name (`update`: merged into it,
    its other columns kept, in its place); returns all rows."""
    rows = read_log(path)
    old = next((r for r in rows if r['name'] == row['name']), None)
    if update and old is None:
        raise ValueError(f"{path}: no row named {row['name']!r} to update")
    if update:
        old.update({k: v for k, v in row.items() if v not in ('', None)})
    else:
        rows = [r for r in rows if r['name'] != row['name']] + [row]
    with path.open('w', newline='') as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows({k: r.get(k, '') for k in FIELDS} for r in rows)
    return rows


def head_commit() -> str:
    "The checkout's HEAD as a short hash ('' outside a git work tree)."
    try:
        out = subprocess.run(
            ['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, cwd=ROOT
        )
    except OSError:
        return ''
    return out.stdout.strip() if out.returncode == 0 else ''


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('bench', type=Path, nargs='?', help='a bench JSON (none: a probe-only row)')
    p.add_argument('--name', required=True)
    p.add_argument('--log', type=Path, default=LOG, help='default: data/results/experiments.csv')
    p.add_argument('--change', default='')
    p.add_argument('--date', default=None, help="default: today's (not on --update)")
    p.add_argument('--commit', default=None, help="default: HEAD's short hash (not on --update)")
    p.add_argument('--kept', default='')
    p.add_argument('--note', default='')
    p.add_argument('--minutes', default=None)
    p.add_argument('--probe-val', type=Path, help="`freeavatar probe --split val --json` output")
    p.add_argument('--probe-heldout', type=Path, help='`freeavatar probe --json` output')
    p.add_argument(
        '--variant', type=Path, help="a decoder_variants results.jsonl (row NAME's line)"
    )
    p.add_argument('--boxes', type=Path, help='a region_resolution results.json (key --result)')
    p.add_argument('--triplets', type=Path, help='a triplet_head results.json (variant --result)')
    p.add_argument(
        '--result', help='the result in --variant/--boxes/--triplets to log (default: --name)'
    )
    p.add_argument(
        '--update',
        action='store_true',
        help="merge the given figures into the existing row NAME (e.g. a baseline's probes)",
    )
    a = p.parse_args(argv)
    given = (a.bench, a.probe_val, a.probe_heldout, a.variant, a.boxes, a.triplets, a.update)
    if not any(given):
        p.error('give a bench JSON, probe JSONs, a --variant, --boxes or --triplets result')
    if not (a.change or a.update):
        p.error('--change (what the experiment changed) is required for a new row')
    row = {}
    read = lambda path: json.loads(path.read_text()) if path else None
    note = a.note
    try:
        if a.variant:
            lines = [json.loads(x) for x in a.variant.read_text().splitlines() if x.strip()]
            want = a.result or a.name
            res = [x for x in lines if x['name'] == want]
            if not res:
                raise ValueError(f"no result named {want!r}")
            cols, said = variant_figures(res[-1])
            row.update(cols)
            note = f"{said}; {note}" if note else said
        if a.boxes:
            res = read(a.boxes)[a.result or a.name]
            note = f"{box_figures(res)}; {note}" if note else box_figures(res)
        if a.triplets:
            want = a.result or a.name
            res = [x for x in read(a.triplets) if x['variant'] == want]
            if not res:
                raise ValueError(f"no variant named {want!r}")
            cols, said = triplet_figures(res[-1])
            row.update(cols)
            note = f"{said}; {note}" if note else said
        if a.bench:
            row.update(figures(read(a.bench)))
        # with a bench (or a row's own, on --update) the bench's triplet figures are kept: the
        # same measure, once
        probes = probe_figures(read(a.probe_val), read(a.probe_heldout))
        keep_bench = a.bench or a.update
        row.update({k: v for k, v in probes.items() if not keep_bench or k.startswith('probe_')})
    except (OSError, ValueError, KeyError) as err:
        which = a.bench or a.variant or a.boxes or a.triplets or a.probe_val or a.probe_heldout
        raise SystemExit(f'log_experiment: {which}: not a readable result ({err!r})') from err
    if a.minutes is not None:
        row['train_minutes'] = a.minutes
    if not a.update:
        a.date = a.date if a.date is not None else datetime.date.today().isoformat()
        a.commit = a.commit if a.commit is not None else head_commit()
    row.update(name=a.name, date=a.date or '', commit=a.commit or '')
    row.update(change=a.change, kept=a.kept, note=note)
    try:
        log_row(row, a.log, update=a.update)
    except ValueError as err:
        raise SystemExit(f'log_experiment: {err}') from err
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
