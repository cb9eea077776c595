#!/usr/bin/env python
"""The package's functions longer than a limit (default 40 lines), longest first: the measure of
issue #16's "functions <= ~40 lines". Not part of the package.

.venv/bin/python tools/long_functions.py        # every function over 40 lines
.venv/bin/python tools/long_functions.py 30     # over 30

Each row is `whole body module name`: `whole` counts the def line to the last line, signature and
docstring included; `body` counts from the first statement after the docstring. The last line says
how many are over the limit either way.
"""

import ast
import sys
from pathlib import Path


def body_start(fn: ast.FunctionDef) -> int:
    "Line of the first statement after the docstring (the def's own line if there is none)."
    body = fn.body
    doc = body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    if doc and isinstance(body[0].value.value, str):
        body = body[1:]
    return body[0].lineno if body else fn.end_lineno


def long_functions(package: Path, limit: int) -> list[tuple[int, int, str, str]]:
    "(whole, body, module, name) of every function in `package` longer than `limit` lines."
    rows = []
    for path in sorted(package.glob('*.py')):
        if path.name == '_modidx.py':
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                whole = node.end_lineno - node.lineno + 1
                body = node.end_lineno - body_start(node) + 1
                if whole > limit:
                    rows.append((whole, body, path.stem, node.name))
    return sorted(rows, reverse=True)


if __name__ == '__main__':
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    rows = long_functions(Path(__file__).resolve().parent.parent / 'freeavatar', limit)
    for whole, body, module, name in rows:
        print(f"{whole:4d} {body:4d}  {module}.{name}")
    n_body = sum(body > limit for _, body, _, _ in rows)
    print(f"{len(rows)} functions over {limit} lines; {n_body} with a body over {limit}")
