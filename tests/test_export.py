"""`nbdev_export` must leave freeavatar/ unchanged: export a copy of the notebooks and compare it
with the package."""

import shutil
from conftest import ROOT


def test_export_in_sync(run, tmp_path):
    for name in ('settings.ini', 'setup.py', 'README.md'):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / 'nbs', tmp_path / 'nbs')
    r = run('nbdev_export', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    made = {
        p.relative_to(tmp_path / 'freeavatar'): p.read_text()
        for p in (tmp_path / 'freeavatar').rglob('*.py')
    }
    have = {
        p.relative_to(ROOT / 'freeavatar'): p.read_text()
        for p in (ROOT / 'freeavatar').rglob('*.py')
    }
    assert sorted(made) == sorted(have), f"files differ: {sorted(set(made) ^ set(have))}"
    stale = [str(k) for k in made if made[k] != have[k]]
    assert not stale, f"run nbdev_export: these modules differ from the notebooks: {stale}"


def test_readme_matches_index():
    import json

    nb = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    intro = ''.join(nb['cells'][0]['source']).split('## Set up')[1].split('## Data')[0]
    assert intro.strip() in (ROOT / 'README.md').read_text(), (
        "README.md is out of step with nbs/index.ipynb"
    )


def _all_block(lines: list[str]) -> set[int]:
    "Line numbers of nbdev's generated `__all__ = [...]` block (it wraps it at 120 columns)."
    inside, out = False, set()
    for i, line in enumerate(lines):
        inside = inside or line.startswith('__all__ = [')
        if inside:
            out.add(i)
            inside = not line.rstrip().endswith(']')
    return out


def test_exported_lines_fit():
    "Every line of the package is at most 100 columns, but nbdev's own `__all__` wrapping."
    long = []
    for p in sorted((ROOT / 'freeavatar').glob('*.py')):
        if p.name == '_modidx.py':
            continue
        lines = p.read_text().splitlines()
        skip = _all_block(lines)
        long += [
            f'{p.name}:{i + 1}' for i, line in enumerate(lines) if len(line) > 100 and i not in skip
        ]
    assert not long, f"lines over 100 columns (edit the notebooks, then nbdev_export): {long}"
