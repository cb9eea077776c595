#!/usr/bin/env python
"""The course's shape (#28): per lesson, code cells, their median length, cells over 40 lines,
figures in the committed outputs, displayed equations, measured-looking numbers typed in markdown,
and cells that read `../out/`.

.venv/bin/python tools/course_shape.py            # a table per notebook, then the totals
.venv/bin/python tools/course_shape.py --json     # the same as JSON

A "measured-looking number" is a decimal (0.85, 31.2) or a number with a unit or percent (12 s,
40 %, 98 frames/s) in a markdown cell, outside code spans and equations: what goes stale when typed.
Constants of the method may be typed; this counts them too, so read the total as an upper bound.
Read from the notebooks' JSON, nothing executed. Not part of the package.
"""

from __future__ import annotations
import argparse
import json
import re
import statistics
from pathlib import Path

NBS = Path(__file__).resolve().parent.parent / 'nbs'
NUMBER = re.compile(
    r'(?<![\w.`])(\d+\.\d+|\d+(?:\.\d+)?\s?(?:%|s\b|ms\b|min\b|minutes\b|frames/s|px\b|MB\b|dB\b))'
)
CODE_SPAN = re.compile(r'`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$', re.S)


def shape(path: Path) -> dict:
    "One notebook's shape: cells, median code lines, long cells, figures, equations, typed numbers."
    cells = json.loads(path.read_text())['cells']
    code = [c for c in cells if c['cell_type'] == 'code']
    lengths = [len(''.join(c['source']).splitlines()) for c in code]
    md = [''.join(c['source']) for c in cells if c['cell_type'] == 'markdown']
    figures = sum(
        1
        for c in code
        for o in c.get('outputs', [])
        if {'image/png', 'image/jpeg', 'image/svg+xml'} & set(o.get('data', {}))
    )
    return {
        'code_cells': len(code),
        'median_lines': statistics.median(lengths) if lengths else 0,
        'over_40': sum(n > 40 for n in lengths),
        'figures': figures,
        'equations': sum(m.count('$$') // 2 for m in md),
        'typed_numbers': sum(len(NUMBER.findall(CODE_SPAN.sub(' ', m))) for m in md),
        'reads_out': sum('../out/' in ''.join(c['source']) for c in code),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--json', action='store_true')
    a = p.parse_args(argv)
    rows = {q.stem: shape(q) for q in sorted(NBS.glob('*.ipynb'))}
    allcode = [
        len(''.join(c['source']).splitlines())
        for q in sorted(NBS.glob('*.ipynb'))
        for c in json.loads(q.read_text())['cells']
        if c['cell_type'] == 'code'
    ]
    total = {
        k: sum(r[k] for r in rows.values())
        for k in next(iter(rows.values()))
        if k != 'median_lines'
    }
    total['median_lines'] = statistics.median(allcode)
    if a.json:
        print(json.dumps({'notebooks': rows, 'total': total}, indent=1))
        return 0
    keys = list(total)
    print(f"{'notebook':26s}" + ''.join(f'{k:>14s}' for k in keys))
    for n, r in rows.items():
        print(f'{n:26s}' + ''.join(f'{r[k]:>14g}' for k in keys))
    print(f"{'all':26s}" + ''.join(f'{total[k]:>14g}' for k in keys))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
