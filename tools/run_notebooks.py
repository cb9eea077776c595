#!/usr/bin/env python
"""Execute the course notebooks and store their outputs in them, small enough to commit (`make
notebooks`).

    .venv/bin/python tools/run_notebooks.py          # every nbs/[0-9]*.ipynb and nbs/index.ipynb
    .venv/bin/python tools/run_notebooks.py nbs/00_core.ipynb --out /tmp/nbout  # copies elsewhere
    .venv/bin/python tools/run_notebooks.py nbs/18_avatars.ipynb --slow  # `#| slow` cells too

Each notebook runs top to bottom in a fresh Python process (one `execnb` CaptureShell, the shell
`nbdev_test` uses), with the working directory and `sys.path` set to the notebook's folder, as
`nbdev_test` does. Cells flagged `#| slow`, `#| notest` (or any flag in settings.ini's `tst_flags`)
or `#| eval: false` are not run and keep the outputs of their last deliberate run; cells calling
`nbdev_export()` are not run (that would rewrite the package). Outputs are made small: PNG/JPEG over
~100 KB shrunk to at most 640 px wide (then palette/smaller until they fit), an output over 500 KB
(plotly, widgets, HTML) cut down to its static image or text/plain, streams trimmed to their last 60
lines. The notebook is written once, atomically, in `nbdev_clean` form (settings.ini's `clear_all =
False` keeps outputs), so `nbdev_clean` leaves it as written and `nbdev_export` is unaffected. A
failing cell stops that notebook, names it and the cell, and leaves its file untouched. Not part of
the package.
"""

from __future__ import annotations
import argparse
import base64
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from freeavatar.report import TIMES_START, TIMES_END, course_times_table, replace_block

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'
SKIP_FLAGS = {'slow', 'notest'}  # plus settings.ini's tst_flags
MAX_IMG = 100_000  # bytes of one decoded image after shrinking
MAX_WIDTH = 640  # px, width a too-big image is shrunk to
# bytes of one rich output before it is cut down to its static fallback
MAX_OUTPUT = 500_000
MAX_LINES = 60  # lines kept of each stream output
MAX_TOTAL = 20 * 2**20  # bytes of all of nbs/
STATIC = ('image/png', 'image/jpeg', 'text/plain')


class CellError(Exception):
    pass


# ---------------------------------------------------------------- which cells run
def directives(src: str) -> dict:
    """The leading `#| ...` directives of a cell's source, parsed as nbdev parses them (`{'eval:':
    ['false'], 'slow': []}`)."""
    from fastcore.basics import AttrDict
    from nbdev.process import extract_directives

    return extract_directives(AttrDict(source=src), remove=False)


def skip_reason(cell: dict, flags=SKIP_FLAGS) -> str | None:
    """Why a code cell is not run (None: it runs). The same rules as `nbdev_test`, plus
    `nbdev_export()` cells."""
    src = ''.join(cell.get('source', ''))
    if 'nbdev_export' + '(' in src:
        return 'nbdev_export'
    d = directives(src)
    if d.get('eval:', [''])[0].lower() == 'false':
        return 'eval: false'
    hit = sorted(set(flags) & d.keys())
    return hit[0] if hit else None


def skip_flags() -> set:
    try:
        from nbdev.config import get_config

        return SKIP_FLAGS | set(get_config(path=ROOT).get('tst_flags', '').split())
    except Exception:
        return set(SKIP_FLAGS)


# ---------------------------------------------------------------- making outputs small
def shrink_image(
    b64: str, fmt='png', max_bytes=MAX_IMG, max_width=MAX_WIDTH
) -> tuple[str, tuple | None]:
    """Base64 image → (base64 image ≤ `max_bytes`, new (w, h) or None if unchanged): shrink to
    `max_width`, then palette, then smaller."""
    raw = base64.b64decode(b64)
    if len(raw) <= max_bytes:
        return b64, None
    from PIL import Image

    im = Image.open(io.BytesIO(raw))
    im.load()
    if im.mode not in ('RGB', 'RGBA', 'L', 'LA'):
        im = im.convert('RGBA' if 'A' in im.getbands() or 'transparency' in im.info else 'RGB')

    def enc(im, pal):
        buf = io.BytesIO()
        if fmt == 'jpeg':
            im.convert('RGB').save(buf, 'JPEG', quality=80 if not pal else 65, optimize=True)
        else:
            if pal and im.mode != 'L':
                im = (
                    im.convert('RGBA').quantize(256)
                    if im.mode in ('RGBA', 'LA')
                    else im.quantize(256)
                )
            im.save(buf, 'PNG', optimize=True)
        return buf.getvalue()

    if im.width > max_width:
        im = im.resize((max_width, max(1, round(im.height * max_width / im.width))), Image.LANCZOS)
    out = enc(im, False)
    if len(out) > max_bytes:
        out = enc(im, True)
    while len(out) > max_bytes and im.width > 160:
        im = im.resize((round(im.width * 0.8), max(1, round(im.height * 0.8))), Image.LANCZOS)
        out = enc(im, True)
    return base64.b64encode(out).decode(), im.size


def _size(x) -> int:
    return len(json.dumps(x, ensure_ascii=False))


def small_output(o: dict) -> dict:
    """One output, small: images shrunk; a rich output over `MAX_OUTPUT` cut to its static image /
    text/plain."""
    data = o.get('data')
    if not data:
        return o
    for k in ('image/png', 'image/jpeg'):
        if k not in data:
            continue
        b64, wh = shrink_image(''.join(data[k]), k.split('/')[1])
        data[k] = b64
        md = (
            o.get('metadata', {}).get(k)
            if isinstance(o.get('metadata', {}).get(k), dict)
            else o.get('metadata', {})
        )
        # retina figures carry a display width
        if wh and isinstance(md, dict) and md.get('width', 0) > wh[0]:
            md['height'] = round(md.get('height', wh[1]) * wh[0] / md['width'])
            md['width'] = wh[0]
    if _size(data) > MAX_OUTPUT:
        # none left (plotly.js's <script>): the output is dropped
        keep = {k: v for k, v in data.items() if k in STATIC}
        if _size(keep) > MAX_OUTPUT:
            keep = {k: v for k, v in keep.items() if k == 'text/plain'}
        if _size(keep) > MAX_OUTPUT:
            keep = {
                'text/plain': [
                    f'<output of {_size(data):,} bytes left out by tools/run_notebooks.py>'
                ]
            }
        o['data'] = keep
        o['metadata'] = {
            k: v for k, v in o.get('metadata', {}).items() if k in keep or '/' not in k
        }
    return o


def _collapse_cr(line: str) -> str:
    "A progress bar's `\\r` rewrites keep only what is left on screen."
    end = '\n' if line.endswith('\n') else ''
    body = line[: len(line) - len(end)].rstrip('\r')
    return body.rsplit('\r', 1)[-1] + end


def tidy_streams(outs: list, max_lines=MAX_LINES) -> list:
    """Merge consecutive streams of the same name (as Jupyter shows them) and keep each one's last
    `max_lines` lines."""
    res = []
    for o in outs:
        if (
            o.get('output_type') == 'stream'
            and res
            and res[-1].get('output_type') == 'stream'
            and res[-1]['name'] == o['name']
        ):
            res[-1] = dict(res[-1], text=''.join(res[-1]['text']) + ''.join(o['text']))
        else:
            res.append(dict(o))
    for o in res:
        if o.get('output_type') != 'stream':
            continue
        # not splitlines: it splits on \r
        lines = [_collapse_cr(line) for line in re.findall(r'[^\n]*\n|[^\n]+$', ''.join(o['text']))]
        # `clear_output` (a live plot's redraw) leaves erase-line codes and nothing else
        lines = [line.replace('\x1b[2K', '') for line in lines]
        lines = [line for line in lines if line]
        if len(lines) > max_lines:
            lines = [f'[{len(lines) - max_lines} earlier lines left out]\n'] + lines[-max_lines:]
        o['text'] = lines
    return [o for o in res if o.get('output_type') != 'stream' or o['text']]


# ---------------------------------------------------------------- one notebook, in its own process
def execute(
    src: Path, dest: Path, mpl_format='png', timeout=None, counts=False, slow=False
) -> dict:
    """Run `src` in this process, write it with its outputs to `dest` (atomically); `slow` runs the
    `#| slow` cells too, so that they store the outputs of a deliberate run. Raises CellError on a
    failing cell."""
    from execnb.nbio import nb2str
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    from nbdev.clean import clean_nb
    from nbdev.config import get_config

    raw = src.read_bytes()
    nb = json.loads(raw)
    flags = skip_flags() - ({'slow'} if slow else set())
    t0, n_run, n_skip, ran = time.time(), 0, 0, []
    shell = CaptureShell(src.resolve(), mpl_format=mpl_format)
    with working_directory(src.resolve().parent):
        for i, cell in enumerate(nb['cells']):
            if cell['cell_type'] != 'code':
                continue
            if skip_reason(cell, flags):
                n_skip += 1
                continue
            source = ''.join(cell['source'])
            if not source.strip():
                cell['outputs'] = []
                continue
            outs = shell.run(source, timeout=timeout)
            if shell.exc is not None:
                tb = ''.join(o for x in outs if x['output_type'] == 'error' for o in x['traceback'])
                first = next(
                    (
                        line
                        for line in source.splitlines()
                        if line.strip() and not line.lstrip().startswith('#|')
                    ),
                    '',
                )
                raise CellError(
                    f'{src}: cell {i + 1} of {len(nb["cells"])} failed: '
                    f'{type(shell.exc).__name__}: {shell.exc}\n  first line: {first}\n{tb}'
                    f'{src} was left untouched.'
                )
            n_run += 1
            ran.append((cell, n_run))
            outs = [
                small_output(json.loads(json.dumps(o, default=str))) for o in tidy_streams(outs)
            ]
            # empty bundles (plotly's execute_result) dropped
            cell['outputs'] = [o for o in outs if 'data' not in o or o['data']]
    # nbdev_clean form (metadata stripped, counts null): `nbdev_clean` then changes nothing
    cfg = get_config(path=ROOT)
    clean_nb(
        nb,
        False,
        cfg.get('allowed_metadata_keys', '').split(),
        cfg.get('allowed_cell_metadata_keys', '').split(),
        cfg.clean_ids,
    )
    if counts:
        for cell, k in ran:
            cell['execution_count'] = k
            for o in cell['outputs']:
                if o['output_type'] == 'execute_result':
                    o['execution_count'] = k
    if src.resolve() == dest.resolve() and src.read_bytes() != raw:
        raise CellError(f'{src} was edited while it ran; not overwritten (run it again)')
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f'.{dest.name}.{os.getpid()}.tmp')
    tmp.write_text(nb2str(nb), encoding='utf-8')
    os.replace(tmp, dest)
    return dict(seconds=time.time() - t0, run=n_run, skipped=n_skip, bytes=dest.stat().st_size)


def _worker(a) -> int:
    src, dest = Path(a.notebooks[0]), Path(a.worker)
    try:
        r = execute(src, dest, a.mpl_format, a.timeout, a.counts, a.slow)
    except CellError as e:
        print(f'FAILED {e}', file=sys.stderr, flush=True)
        return 1
    print(
        f"{src.name}: {r['seconds']:.1f} s, {r['run']} cells run, {r['skipped']} skipped, "
        f"{r['bytes'] / 1024:.1f} KB -> {dest}",
        flush=True,
    )
    return 0


# ---------------------------------------------------------------- all of them
def default_notebooks() -> list[Path]:
    return sorted(NBS.glob('[0-9]*.ipynb')) + [NBS / 'index.ipynb']


def size_report(written: dict) -> tuple[int, list]:
    """Total bytes of nbs/ as it will be (each written copy in place of its notebook) and the
    biggest files."""
    sizes = {p: p.stat().st_size for p in NBS.rglob('*') if p.is_file()}
    for src, dest in written.items():
        if src.resolve().parent == NBS:
            sizes[src.resolve()] = dest.stat().st_size
    return sum(sizes.values()), sorted(sizes.items(), key=lambda kv: -kv[1])[:3]


def write_times(path: Path, seconds: dict):
    "Merge `{notebook: seconds}` into the JSON at `path` (a partial run keeps the others' times)."
    old = json.loads(path.read_text()) if path.exists() else {}
    notebooks = {**old.get('notebooks', {}), **seconds}
    doc = {'cpus': os.cpu_count(), 'date': time.strftime('%Y-%m-%d'), 'notebooks': notebooks}
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + '\n')
    # the README's syllabus shows the same table by part
    replace_block(ROOT / 'README.md', TIMES_START, TIMES_END, course_times_table(doc))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        'notebooks',
        nargs='*',
        help='notebooks to run (default: nbs/[0-9]*.ipynb and nbs/index.ipynb)',
    )
    p.add_argument(
        '--out', help='write the executed notebooks into this folder instead of over the originals'
    )
    p.add_argument('--timeout', type=int, default=None, help='seconds a single cell may run')
    p.add_argument(
        '--mpl-format',
        default='png',
        help="matplotlib inline format ('png' keeps figures small; 'retina' is 2x)",
    )
    p.add_argument(
        '--counts',
        action='store_true',
        help="number the cells that ran 1..n (nbdev_clean sets counts to null)",
    )
    p.add_argument(
        '--times',
        help="write each notebook's wall-clock seconds (slow cells off) to this JSON file, which "
        'the syllabus in nbs/index.ipynb reads',
    )
    p.add_argument(
        '--slow',
        action='store_true',
        help='also run the `#| slow` cells (full trainings, speed measures), storing their outputs',
    )
    p.add_argument('--worker', help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.slow and a.times:
        p.error('--times measures the course as a learner runs it, slow cells off: not with --slow')
    if a.worker:
        return _worker(a)
    nbs = [Path(n) for n in a.notebooks] or default_notebooks()
    missing = [str(n) for n in nbs if not n.is_file()]
    if missing:
        p.error(f'no such notebook: {", ".join(missing)}')
    out = Path(a.out) if a.out else None
    written, failed, seconds = {}, [], {}
    for nb in nbs:
        dest = out / nb.name if out else nb
        cmd = (
            [sys.executable, __file__, str(nb), '--worker', str(dest), '--mpl-format', a.mpl_format]
            + (['--timeout', str(a.timeout)] if a.timeout else [])
            + (['--counts'] if a.counts else [])
            + (['--slow'] if a.slow else [])
        )
        t0 = time.time()
        if subprocess.run(cmd).returncode == 0:
            written[nb] = dest
            seconds[nb.stem] = round(time.time() - t0, 1)
        else:
            failed.append(nb.name)
    if a.times:
        write_times(Path(a.times), seconds)
    total, big = size_report(written)
    print(
        f"nbs/ {'would be' if out else 'is'} {total / 2**20:.2f} MB (limit {MAX_TOTAL / 2**20:.0f} "
        f"MB); biggest: " + ', '.join(f'{q.name} {s / 2**20:.2f} MB' for q, s in big)
    )
    if failed:
        print(
            f'{len(failed)} notebook(s) failed and were left untouched: {", ".join(failed)}',
            file=sys.stderr,
        )
    if total > MAX_TOTAL:
        print(
            f'nbs/ is over {MAX_TOTAL / 2**20:.0f} MB: shrink the outputs of {big[0][0].name} '
            f'first',
            file=sys.stderr,
        )
        return 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
