#!/usr/bin/env python
"""The package's map (#27): each module's lines, its floor, what it imports and the imports of the
package's own modules hidden inside functions.

.venv/bin/python tools/module_graph.py            # the table, then the checks' summary
.venv/bin/python tools/module_graph.py --check    # exit 1 if a limit is broken

A module's floor is 1 + the highest floor among the package modules it imports (anywhere in the
file); a module importing none of them is on floor 1, so the number of floors is the longest chain
of imports. Limits checked (issue #27): no module over 450 lines (`_modidx.py` aside), at most 5
imports of the package's own modules inside functions, at most 10 floors, no circle. Read from the
source with `ast`, nothing imported. Not part of the package.
"""

from __future__ import annotations
import argparse
import ast
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / 'freeavatar'
MAX_LINES, MAX_INNER, MAX_FLOORS = 450, 5, 10


def package_imports(path: Path) -> tuple[set[str], list[tuple[int, str]]]:
    "The package modules `path` imports: (all of them, [(line, module)] of those inside functions)."
    tree, names, inner = ast.parse(path.read_text()), set(), []

    def visit(node, in_def: bool):
        for child in ast.iter_child_nodes(node):
            deeper = in_def or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            mods = []
            if isinstance(child, ast.ImportFrom):
                base = child.module or ''
                if child.level == 1:
                    mods = [base.split('.')[0]] if base else [a.name for a in child.names]
                elif base.split('.')[0] == 'freeavatar':
                    parts = base.split('.')
                    mods = [parts[1]] if len(parts) > 1 else [a.name for a in child.names]
            elif isinstance(child, ast.Import):
                mods = [
                    a.name.split('.')[1] for a in child.names if a.name.startswith('freeavatar.')
                ]
            for m in mods:
                if (PKG / f'{m}.py').exists():
                    names.add(m)
                    if in_def:
                        inner.append((child.lineno, m))
            visit(child, deeper)

    visit(tree, False)
    return names - {path.stem}, inner


def modules() -> dict[str, Path]:
    "The package's modules by name, `_modidx` and `__init__` aside."
    return {p.stem: p for p in sorted(PKG.glob('*.py')) if not p.stem.startswith('_')}


def floors(graph: dict[str, set[str]]) -> dict[str, int]:
    "Each module's floor in the import graph; raises ValueError naming a circle if there is one."

    @cache
    def floor(m: str, path: tuple = ()) -> int:
        if m in path:
            raise ValueError('import circle: ' + ' -> '.join(path[path.index(m) :] + (m,)))
        return 1 + max((floor(d, path + (m,)) for d in graph[m]), default=0)

    return {m: floor(m) for m in graph}


def report() -> tuple[str, list[str]]:
    "The map as a text table and the list of broken limits."
    mods = modules()
    info = {m: package_imports(p) for m, p in mods.items()}
    graph = {m: deps & set(mods) for m, (deps, _) in info.items()}
    problems = []
    try:
        fl = floors(graph)
    except ValueError as e:
        fl, problems = {m: 0 for m in mods}, [str(e)]
    rows = ['floor  lines  inner  module         imports']
    n_inner = 0
    for m in sorted(mods, key=lambda m: (fl[m], m)):
        lines = len(mods[m].read_text().splitlines())
        inner = info[m][1]
        n_inner += len(inner)
        rows.append(
            f'{fl[m]:5d}  {lines:5d}  {len(inner):5d}  {m:<14} {", ".join(sorted(graph[m]))}'
        )
        if lines > MAX_LINES:
            problems.append(f'{m}.py has {lines} lines (limit {MAX_LINES})')
    for m in mods:
        for line, dep in info[m][1]:
            rows.append(f'  inner import: freeavatar/{m}.py:{line} imports {dep}')
    n_floors = max(fl.values(), default=0)
    if n_inner > MAX_INNER:
        problems.append(
            f'{n_inner} imports of package modules inside functions (limit {MAX_INNER})'
        )
    if n_floors > MAX_FLOORS:
        problems.append(f'{n_floors} floors (limit {MAX_FLOORS})')
    total = sum(len(p.read_text().splitlines()) for p in mods.values())
    rows.append(f'{len(mods)} modules, {total} lines, {n_floors} floors, {n_inner} inner imports')
    return '\n'.join(rows), problems


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--check', action='store_true', help='exit 1 if a limit is broken')
    a = p.parse_args(argv)
    table, problems = report()
    print(table)
    for pr in problems:
        print('over the limit:', pr)
    return 1 if (a.check and problems) else 0


if __name__ == '__main__':
    sys.exit(main())
