"""The committed results: every stable key of the bench is a number or an explained null, and the
README shows the JSON's table."""

import json
from conftest import ROOT
from freeavatar.measures import check_keys
from freeavatar.report import results_table, START, END

RES = ROOT / 'data' / 'results'


def test_bench_json_has_every_key():
    res = json.loads((RES / 'bench.json').read_text())
    assert check_keys(res) == []
    assert (RES / 'bench.md').exists() and all(
        (RES / f).exists()
        for f in ('rig_error.png', 'triplet_accuracy.png', 'real_r.png', 'speed.png')
    )


def test_readme_table_is_generated_from_the_json():
    res = json.loads((RES / 'bench.json').read_text())
    readme = (ROOT / 'README.md').read_text()
    block = readme[readme.index(START) : readme.index(END)]
    assert results_table(res) in block, (
        "README.md's results table differs from data/results/bench.json: run `make results`"
    )
