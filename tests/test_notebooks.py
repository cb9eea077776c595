"""The notebooks are the lessons and their tests: run all of them (slow cells skipped), one worker
for stable timings."""


def test_notebooks_run(run):
    # about 10 minutes on an idle 2-core machine; the limit is a guard against a hung kernel, not a
    # speed target (a CI run beside another job took over 20)
    r = run('nbdev_test', '--n_workers', '1', timeout=3600)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]
    assert 'Success' in r.stdout + r.stderr
