"""The committed results: every stable key of the bench is a number or an explained null, and the
README shows the JSON's table."""

import json
from conftest import ROOT
from freeavatar.measures import check_keys
from freeavatar.report import results_table, START, END
from freeavatar.report import TIMES_START, TIMES_END, course_times_table

RES = ROOT / 'data' / 'results'


def test_bench_json_has_every_key():
    res = json.loads((RES / 'bench.json').read_text())
    assert check_keys(res) == []
    assert (RES / 'bench.md').exists() and all(
        (RES / f).exists()
        for f in ('rig_error.png', 'triplet_accuracy.png', 'real_r.png', 'speed.png')
    )


def readme_block(start: str, end: str) -> str:
    "What the README holds between the markers `start` and `end`."
    readme = (ROOT / 'README.md').read_text()
    return readme[readme.index(start) : readme.index(end)]


def test_readme_table_is_generated_from_the_json():
    res = json.loads((RES / 'bench.json').read_text())
    assert results_table(res) in readme_block(START, END), (
        "README.md's results table differs from data/results/bench.json: run `make results`"
    )


def test_readme_course_times_are_generated_from_the_json():
    times = json.loads((RES / 'course_times.json').read_text())
    assert course_times_table(times) in readme_block(TIMES_START, TIMES_END), (
        "README.md's course times differ from data/results/course_times.json: run "
        "`tools/run_notebooks.py --times data/results/course_times.json`"
    )
