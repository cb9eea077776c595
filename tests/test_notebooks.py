"""The notebooks are the lessons and their tests: run all of them (slow cells skipped), one worker
for stable timings."""


def test_notebooks_run(run):
    r = run('nbdev_test', '--n_workers', '1')
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]
    assert 'Success' in r.stdout + r.stderr
