"""Training stages end to end on the tiny preset: the CLI, checkpoints, and two-process
DistributedDataParallel."""

import json
import pytest
from freeavatar.core import set_seed, CheckpointError
from freeavatar.mae import MAE, MAEConfig
from freeavatar.core import state_hash
from freeavatar.expression import ExpressionEncoder


def test_train_tiny_writes_checkpoints_and_metrics(run, tmp_path):
    r = run('freeavatar', 'train', '--preset', 'tiny', '--out', str(tmp_path), '--threads', '1')
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads((tmp_path / 'metrics.json').read_text())
    for src in ('actors', 'cross-domain', 'real'):
        assert 0 <= m['triplet'][src]['all'] <= 1 and 0 <= m['semi'][src]['all'] <= 1
    assert m['mae_plus_triplet_minutes'] >= 0 and m['mae_final_loss'] > 0
    enc = ExpressionEncoder.load(tmp_path / 'expression.pt')
    assert enc.emb_dim == 16 and enc.metrics['triplet'] == m['triplet']
    with pytest.raises(CheckpointError, match="not an expression-encoder"):
        ExpressionEncoder.load(tmp_path / 'mae.pt')
    # the bench re-measures the saved encoder on the held-out sets its checkpoint records (tiny: 60
    # of 90): same figures
    r = run(
        'freeavatar',
        'bench',
        '--no-judge',
        '--no-data',
        '--expression',
        str(tmp_path / 'expression.pt'),
        '--json',
        str(tmp_path / 'bench.json'),
    )
    assert r.returncode == 0, r.stderr[-3000:]
    b = json.loads((tmp_path / 'bench.json').read_text())['expression']
    assert (
        b['heldout']['n'] == 60
        and b['heldout']['pool'] == 90
        and b['heldout']['as_trained'] is True
    )
    assert b['triplet'] == m['semi'] == b['stored'] and b['embed_img_per_s'] > 0
    r = run(
        'freeavatar', 'bench', '--no-judge', '--no-data', '--expression', str(tmp_path / 'mae.pt')
    )
    assert r.returncode == 2 and 'mae.pt' in r.stderr and 'not an expression-encoder' in r.stderr
    # the reading space (the embedding beside the reader's weighted reading) on the same triplets;
    # a weights folder without a reader gives nulls, each with its reason
    from freeavatar.measures import bench_expression, expression_section

    read = bench_expression(tmp_path / 'expression.pt', reader=tmp_path / 'reader.pt')
    assert set(read['reading_space']) == {'actors', 'cross-domain', 'real'}
    assert all(0 <= v['all'] <= 1 for v in read['reading_space'].values())
    alone = tmp_path / 'no_reader'
    alone.mkdir()
    (alone / 'expression.pt').write_bytes((tmp_path / 'expression.pt').read_bytes())
    reasons = {}
    sec = expression_section(alone, {}, reasons)
    assert set(sec['reading_space'].values()) == {None}
    assert all(
        'no region reader' in reasons[f'expression.reading_space.{k}'] for k in sec['reading_space']
    )


def test_torchrun_two_ranks_end_identical(run, tmp_path):
    r = run(
        'torchrun',
        '--standalone',
        '--nproc_per_node',
        '2',
        '-m',
        'freeavatar.cli',
        'train',
        '--preset',
        'tiny',
        '--stage',
        'mae',
        '--out',
        str(tmp_path),
        '--threads',
        '1',
    )
    assert r.returncode == 0, r.stderr[-3000:]
    h0, h1 = (tmp_path / 'rank0.sha256').read_text(), (tmp_path / 'rank1.sha256').read_text()
    set_seed(0)
    assert h0 == h1 and h0 != state_hash(MAE(MAEConfig.tiny()))  # identical, and trained
