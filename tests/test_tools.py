"""tools/: encoder experiments logged from their probes, and the region-encoder experiment (#29)."""

import importlib.util
import json
import sys
import pytest
from conftest import ROOT


def tool(name: str):
    "A module of `tools/`, imported from its file (tools/ is not a package)."
    spec = importlib.util.spec_from_file_location(name, ROOT / 'tools' / f'{name}.py')
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def probe_result(split: str, r: float) -> dict:
    "A `freeavatar probe --json` result whose 25 channels all read at `r`."
    return {
        'split': split,
        'channels_r': {f'c{i}': r for i in range(25)},
        'readable': 25 if r >= 0.5 else 0,
        'triplet_acc': {'actors': 0.7, 'cross-domain': 0.71, 'real': 0.72},
        'real_worst': -0.2,
    }


def test_probe_rows_are_logged_and_merged(tmp_path):
    log = tool('log_experiment')
    figs = log.probe_figures(probe_result('val', 0.6), probe_result('heldout', 0.4))
    assert figs['probe_val_readable'] == 25 and figs['probe_heldout_readable'] == 0
    assert figs['probe_val_mean_r'] == 0.6 and figs['triplet_cross'] == 0.71
    # a probe given as the other split is refused
    with pytest.raises(ValueError, match='split'):
        log.probe_figures(probe_result('heldout', 0.6), None)
    path = tmp_path / 'experiments.csv'
    log.log_row({'name': 'base', 'change': 'shipped', 'rig_human': 0.07}, path)
    log.log_row({'name': 'exp', 'change': 'more actors', **figs}, path)
    # merging probe figures into the baseline keeps its other columns
    rows = log.log_row({'name': 'base', 'probe_val_mean_r': 0.5}, path, update=True)
    base = next(r for r in rows if r['name'] == 'base')
    got = [str(base[k]) for k in ('change', 'rig_human', 'probe_val_mean_r')]
    assert got == ['shipped', '0.07', '0.5']
    assert [r['name'] for r in log.read_log(path)] == ['base', 'exp']
    with pytest.raises(ValueError, match='no row named'):
        log.log_row({'name': 'nope'}, path, update=True)


def test_region_encoder_reads_its_boxes_and_tunes_every_part():
    sys.path.insert(0, str(ROOT / 'tools'))  # region_encoder imports its neighbours
    reg = tool('region_encoder')
    from freeavatar.expression import ExprConfig
    from freeavatar.mae import MAEConfig
    import torch

    cfg = MAEConfig.tiny()
    enc = reg.RegionEncoder(cfg, 16).eval()
    S = cfg.img_size
    x = torch.zeros(2, 3, S, S)
    f = enc.forward_features(x)
    assert f.shape == (2, enc.feat_dim) and enc.feat_dim == cfg.grid**2 * 8 + 2 * reg.REGION_DIM
    assert enc(x).shape == (2, 16)
    # a pixel outside both boxes leaves the region features as they were; one in the mouth does not
    top, bot, left, right = enc.regions.boxes['mouth']
    outside, inside = x.clone(), x.clone()
    outside[:, :, 0, 0] = 3.0
    inside[:, :, (top + bot) // 2, (left + right) // 2] = 3.0
    with torch.no_grad():
        base = enc.regions(x)
        assert torch.equal(enc.regions(outside), base)
        assert not torch.equal(enc.regions(inside), base)
    # every parameter in exactly one group of the optimiser, the region stem in the fast one
    groups = reg.region_optimizer(enc, ExprConfig.cpu()).param_groups
    ids = [id(p) for g in groups for p in g['params']]
    assert sorted(ids) == sorted(id(p) for p in enc.parameters())
    assert {id(p) for p in enc.regions.parameters()} <= {id(p) for p in groups[1]['params']}


def variant_result(name: str) -> dict:
    "A `tools/decoder_variants.py` result line."
    figs = {f'{s}_{a}': v for s, v in (('val', 0.06), ('heldout', 0.07)) for a in AVATARS}
    return {
        'name': name,
        **figs,
        'val_channels': 15,
        'heldout_channels': 14,
        'real_pooled_worst': 0.1,
        'real_clip_worst': -0.5,
    }


AVATARS = ('human', 'toon', 'creature')


def test_decoder_variants_are_logged_with_their_validation_figures(tmp_path):
    log = tool('log_experiment')
    cols, said = log.variant_figures(variant_result('drop'))
    assert cols['rig_toon'] == 0.07 and cols['human_channels_r05'] == 14
    assert cols['real_worst_clip_r'] == -0.5
    assert said == 'validation faces: rig error 0.06 / 0.06 / 0.06, human channels 15'
    cv = variant_result('cv') | {'real_folds': 4, 'realcv': {'jawOpen': 0.5, 'browInnerUp': 0.9}}
    said = log.variant_figures(cv)[1]
    assert said.endswith('; training clip, 4-fold by blocks: jawOpen 0.5, browInnerUp 0.9')
    res = tmp_path / 'results.jsonl'
    res.write_text('\n'.join(json.dumps(variant_result(n)) for n in ('base', 'drop')) + '\n')
    path = tmp_path / 'experiments.csv'
    args = ['--variant', str(res), '--log', str(path), '--change', 'dropout']
    log.main(args + ['--name', 'drop', '--note', 'kept'])
    row = log.read_log(path)[0]
    assert row['rig_human'] == '0.07' and row['note'].endswith('human channels 15; kept')
    import datetime

    assert row['date'] == datetime.date.today().isoformat()  # unless --date says otherwise
    with pytest.raises(SystemExit, match='no result named'):
        log.main(args + ['--name', 'nope'])
    # --result picks the line when the row is named otherwise; a held-out-only result says so
    held_only = {k: v for k, v in variant_result('old').items() if not k.startswith('val_')}
    res.write_text(json.dumps(held_only) + '\n')
    log.main(args + ['--name', 'old-variant', '--result', 'old'])
    assert log.read_log(path)[-1]['note'] == 'no validation figures (held-out only)'


def test_decoder_variants_perturb_only_while_training():
    sys.path.insert(0, str(ROOT / 'tools'))  # decoder_variants imports seed_spread
    dv = tool('decoder_variants')
    import torch

    lin = torch.nn.Linear(8, 3)
    lin.cfg, lin.n_controls = None, [3]
    fwd = lin.forward
    lin.forward = lambda f, k: fwd(f)
    x, k = torch.randn(4, 8), torch.zeros(4, dtype=torch.long)
    for kw in ({'drop': 0.5}, {'noise': 1.0}):
        dec = dv.Perturbed(lin, torch.ones(8), **kw)
        assert not torch.equal(dec.train()(x, k), dec(x, k))
        assert torch.equal(dec.eval()(x, k), lin(x, k))
    assert set(dv.VARIANTS) >= {'base', 'drop0.35'}
    # the render-rows-only variant is the package's own feat_dropout, the tool's wrapper left off
    assert dv.VARIANTS['drop0.35-renders'] == {'set': {'feat_dropout': 0.35}}


def test_decoder_variants_real_blocks_and_ensemble():
    sys.path.insert(0, str(ROOT / 'tools'))
    dv = tool('decoder_variants')
    import numpy as np
    import torch

    blocks = dv.real_blocks(10, 4)
    # consecutive, covering every frame once, sizes within one of each other
    assert np.array_equal(np.concatenate(blocks), np.arange(10))
    assert {len(b) for b in blocks} == {2, 3}
    with pytest.raises(ValueError, match='real-folds'):
        dv.real_blocks(10, 1)

    class Const(torch.nn.Module):
        def __init__(self, v):
            super().__init__()
            self.v = v

        def forward(self, f, k):
            return torch.full((len(f), 2), self.v)

    out = dv.Mean([Const(0.2), Const(0.6)])(torch.zeros(3, 4), torch.zeros(3, dtype=torch.long))
    assert torch.allclose(out, torch.full((3, 2), 0.4))


def test_region_resolution_arms_differ_only_in_detail(tmp_path):
    "Both arms cut the same boxes at the same size; the native one from the 224 px render itself."
    sys.path.insert(0, str(ROOT / 'tools'))  # region_resolution imports region_encoder
    import numpy as np
    import torch

    rr = tool('region_resolution')
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (2, 224, 224, 3), dtype=np.uint8)
    native, up = rr.boxes(imgs, 'native'), rr.boxes(imgs, 'upsampled')
    for k, (top, bot, left, right) in rr.BOXES.items():
        assert native[k].shape == up[k].shape == (2, 3, 2 * (bot - top), 2 * (right - left))
        want = torch.from_numpy(imgs[:, 2 * top : 2 * bot, 2 * left : 2 * right])
        assert torch.equal(native[k], want.permute(0, 3, 1, 2))
    # an image without fine detail (a slow wave) reads the same in both arms
    t = np.sin(np.linspace(0, 6, 224))
    flat = (128 + 60 * t[None, :, None, None] * t[None, None, :, None]).repeat(3, -1)
    flat = np.repeat(flat.astype(np.uint8), 2, 0)
    for k in rr.BOXES:
        d = (rr.boxes(flat, 'native')[k].float() - rr.boxes(flat, 'upsampled')[k].float()).abs()
        assert d.mean() < 2, k
    assert not torch.equal(native['mouth'], up['mouth'])  # noise is detail: lost at 112 px
    net = rr.BoxNet()
    assert net(native).shape == (2, 25)
    r = {c: 0.0 for c in rr.EXPRESSIONS} | {c: 1.0 for c in rr.WEAK}
    assert rr.summary(r) == {'readable': 10, 'mean_r': 0.4, 'weak_mean_r': 1.0}
    log = tool('log_experiment')
    split = {'readable': 15, 'mean_r': 0.5, 'weak_mean_r': 0.2}
    res = {'minutes': 9.5, 'val': split, 'heldout': split, 'train': split | {'readable': 25}}
    said = log.box_figures(res)
    assert said.startswith('validation faces: 15 channels at r >= 0.5, mean r 0.5, the ten weak')
    assert 'its own training faces: 25 channels' in said and said.endswith('(9.5 min)')
    # a region_reader score (no training faces; --score-only: no minutes)
    said = log.box_figures({'val': split, 'heldout': split})
    assert said.endswith('held-out actors: 15 channels at r >= 0.5, mean r 0.5, the ten weak 0.2')


def test_region_reader_joins_the_encoder_features(tmp_path):
    "The joint encoder: the encoder's features, then the reader's 25 standardised outputs."
    sys.path.insert(0, str(ROOT / 'tools'))
    import numpy as np
    import torch
    from freeavatar.expression import ExpressionEncoder, read_faces
    from freeavatar.mae import MAEConfig

    rr = tool('region_reader')
    res = tool('region_resolution')
    torch.manual_seed(0)
    net = res.BoxNet().eval()
    mean, std = torch.full((25,), 0.5), torch.full((25,), 2.0)
    torch.save({'state_dict': net.state_dict(), 'mean': mean, 'std': std}, tmp_path / 'r.pt')
    enc = ExpressionEncoder(MAEConfig.cpu()).eval()
    joint = rr.Joint(enc, tmp_path / 'r.pt')
    imgs = np.random.default_rng(0).integers(0, 256, (3, 112, 112, 3), dtype=np.uint8)
    F, Z = read_faces(joint, imgs)
    F0, Z0 = read_faces(enc, imgs)
    assert F.shape == (3, enc.feat_dim + 25) and joint.feat_dim == F.shape[1]
    assert np.allclose(F[:, : enc.feat_dim], F0, atol=1e-5) and np.allclose(Z, Z0, atol=1e-5)
    # the reader's part is its reading of the same pixels, standardised
    with torch.no_grad():
        want = (net(res.boxes(imgs, 'upsampled')) - mean) / std
    assert np.allclose(F[:, enc.feat_dim :], want.numpy(), atol=1e-3)
    # a reader of other boxes is refused, naming its file
    other = {'eyes': (0, 40, 0, 80), 'mouth': rr.BOXES['mouth']}
    torch.save(
        {'state_dict': net.state_dict(), 'mean': mean, 'std': std, 'boxes': other},
        tmp_path / 'o.pt',
    )
    with pytest.raises(SystemExit, match='o.pt: a reader of other boxes'):
        rr.load_reader(tmp_path / 'o.pt')


def test_decoder_variants_score_each_human_control():
    "`scores`: rig error per avatar, the human's readable count and each of its controls' r."
    sys.path.insert(0, str(ROOT / 'tools'))
    import numpy as np
    import torch

    dv = tool('decoder_variants')

    class Human:
        name, controls = 'human', ['a', 'b', 'c']

        def semantic(self, E):
            return E[:, :3]

    # a decoder that reads the first two controls exactly and the third not at all
    dec = lambda f, k: torch.cat([f[:, :2], torch.zeros(len(f), 1)], 1)
    E = np.random.default_rng(0).uniform(0, 1, (50, 25)).astype(np.float32)
    out = dv.scores(dec, [Human()], E, E, 'val')
    assert out['val_channels'] == 2
    assert out['val_r']['a'] == out['val_r']['b'] == 1.0 and not out['val_r']['c'] >= 0.5
    assert out['val_human'] == round(float(np.abs(E[:, 2]).mean() / 3), 4)


def test_decoder_variants_mixed_loss_and_training_clip_reading():
    "`mixed_error`: |d| + w d^2 over the masked controls; `clip_r`: the 8 key controls' r."
    sys.path.insert(0, str(ROOT / 'tools'))
    import numpy as np
    import torch
    from freeavatar.animator_train import rig_error

    dv = tool('decoder_variants')
    pred, tgt = torch.tensor([[0.5, 0.0, 0.9]]), torch.tensor([[0.0, 0.0, 0.1]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])  # the third control is not the avatar's
    assert torch.isclose(
        dv.mixed_error(0.0)(pred, tgt, mask, 'l1'), rig_error(pred, tgt, mask, 'l1')
    )
    assert torch.isclose(dv.mixed_error(2.0)(pred, tgt, mask, 'l1'), torch.tensor((0.5 + 0.5) / 2))
    assert dv.VARIANTS['sq3-renders'] == {'sq': 3.0, 'set': {'feat_dropout': 0.35}}

    class Human:
        name = 'human'
        controls = list(dv.EXPRESSIONS)

    E = np.random.default_rng(0).uniform(0, 1, (40, 25)).astype(np.float32)
    got = dv.clip_r(lambda f, k: f, [Human()], E, E)  # a decoder that reads every face exactly
    assert set(got) == set(dv.REAL_CHANNELS) and all(v == 1.0 for v in got.values())
    log = tool('log_experiment')
    res = variant_result('nowreal') | {'set': {'w_real': 0}, 'trainclip_r': {'jawOpen': -0.05}}
    assert log.variant_figures(res)[1].endswith('(w_real 0, so unseen): jawOpen -0.05')
    # with real rows trained on, the training clip's reading is a fit and stays out of the note
    assert 'unseen' not in log.variant_figures(res | {'set': {}})[1]


def test_region_resolution_draws_batches_by_weight():
    "`train_arm(p=...)` draws only rows of nonzero weight; without `p` it is unchanged."
    sys.path.insert(0, str(ROOT / 'tools'))
    import numpy as np
    import torch

    rr = tool('region_resolution')
    imgs = np.random.default_rng(0).integers(0, 256, (6, 112, 112, 3), dtype=np.uint8)
    X, E = rr.boxes(imgs, 'upsampled'), np.zeros((6, 25), np.float32)
    E[3:] = 1.0
    seen = []
    fwd = rr.BoxNet.forward
    rr.BoxNet.forward = lambda self, xs: (seen.append(xs['mouth'].clone()), fwd(self, xs))[1]
    try:
        rr.train_arm(X, E, 10, 2, 0, p=np.r_[0, 0, 0, 1, 1, 1] / 3)
    finally:
        rr.BoxNet.forward = fwd
    allowed = X['mouth'][3:]
    assert all(any(torch.equal(x, a) for a in allowed) for xs in seen for x in xs)


def test_decoder_variants_jaw_labels_as_the_face_shows_them():
    "`net_jaw`: equal sides are no shift; `jaw_labels` relabels the human's rows only."
    sys.path.insert(0, str(ROOT / 'tools'))
    import numpy as np

    dv = tool('decoder_variants')
    X = np.array([[0.5, 0.5, 0.9], [0.7, 0.2, 0.1], [0.0, 0.4, np.nan]], np.float32)
    got = dv.net_jaw(X, 0, 1)
    want = np.array([[0.0, 0.0, 0.9], [0.5, 0.0, 0.1], [0.0, 0.4, np.nan]], np.float32)
    assert np.allclose(got, want, equal_nan=True) and X[0, 0] == 0.5  # a copy
    assert np.array_equal(dv.net_jaw(X, 0, 1, np.array([False, True, False]))[0], X[0])

    class Av:
        def __init__(self, name, controls):
            self.name, self.controls = name, controls

    i, j = dv.EXPRESSIONS.index('jawLeft'), dv.EXPRESSIONS.index('jawRight')
    E = np.zeros((2, 25), np.float32)
    E[:, [i, j]] = 0.6
    C = np.zeros((2, 25), np.float32)
    C[:, [1, 2]] = 0.6  # the toon's first controls are not a jaw: only row 1 is the human's
    avatars = [Av('toon', ['a', 'b', 'c']), Av('human', list(dv.EXPRESSIONS))]
    d = {k: E for k in ('E', 'val_E', 'held_E', 'clip_E', 'real_E')} | {'C': C, 'k': np.r_[0, 1]}
    net = dv.jaw_labels(d, avatars, 'net')
    assert net['E'][:, [i, j]].max() == 0 and net['val_E'][:, [i, j]].max() == 0
    assert np.array_equal(net['C'][0], C[0]) and net['C'][1, [1, 2]].max() == 0
    scored = dv.jaw_labels(d, avatars, 'net-eval')
    assert scored['E'] is E and scored['held_E'][:, [i, j]].max() == 0
    assert dv.jaw_labels(d, avatars, 'sampled') is d
    with pytest.raises(SystemExit, match='--jaw'):
        dv.jaw_labels(d, avatars, 'mirror')


def test_reader_realcv_mixes_real_frames_by_share(tmp_path):
    "`train_reader`: a share of each batch from real frames; outputs standardised on the actors."
    sys.path.insert(0, str(ROOT / 'tools'))
    import numpy as np

    import torch

    rr = tool('reader_realcv')
    res = tool('region_resolution')
    rng = np.random.default_rng(0)
    img = lambda n: rng.integers(0, 256, (n, 112, 112, 3), dtype=np.uint8)
    # 70 actors: a batch is 64 faces without replacement
    actors = {'X': res.boxes(img(70), 'upsampled'), 'E': np.zeros((70, 25), np.float32)}
    real_E = np.ones((2, 25), np.float32)
    drawn = []
    train_arm = rr.train_arm

    def spy(X, E, steps, batch, seed, p=None):
        drawn.append((E, p))
        return train_arm(X, E, steps, batch, seed, p)

    rr.train_arm = spy
    try:
        net, mean, std = rr.train_reader(actors, res.boxes(img(2), 'upsampled'), real_E, 0.25, 4, 0)
        rr.train_reader(actors, res.boxes(img(2), 'upsampled'), real_E, 0.0, 4, 0)
    finally:
        rr.train_arm = train_arm
    (E, p), (E0, p0) = drawn
    assert len(E) == 72 and np.isclose(p[70:].sum(), 0.25) and np.isclose(p.sum(), 1)
    assert len(E0) == 70 and p0 is None  # share 0: the actors alone, drawn uniformly
    assert mean.shape == std.shape == (25,) and (std > 0).all()
    assert np.allclose(res.predict(net, actors['X']).mean(0), mean, atol=1e-5)
    E = rng.uniform(0, 1, (30, 25)).astype(np.float32)
    assert rr.channels(E, E)['readable'] == 25
    # a fold's reader comes back as it was saved (another decoder seed reuses it)
    reader = tool('region_reader')
    reader.save_reader(tmp_path / 'r' / 'f.pt', net, mean, std)
    net2, mean2, std2 = reader.load_reader(tmp_path / 'r' / 'f.pt')
    assert torch.equal(mean2, mean) and torch.equal(std2, std)
    assert torch.equal(res.predict(net2, actors['X']), res.predict(net, actors['X']))


def test_decoder_variants_r_term_is_scale_free_per_avatar():
    "`r_error`: 0 for any increasing linear reading of each avatar's live controls, 2 reversed."
    sys.path.insert(0, str(ROOT / 'tools'))
    import torch

    dv = tool('decoder_variants')
    g = torch.Generator().manual_seed(0)
    tgt = torch.rand(12, 3, generator=g)
    tgt[:, 2] = 0.5  # a control that does not move in the batch is left out
    k = torch.tensor([0, 1] * 6)
    mask = torch.ones(12, 3)
    pred = 0.01 * tgt - 3.0  # a tiny amplitude reads as well as a full one
    assert dv.r_error(pred, tgt, k, mask).item() == pytest.approx(0.0, abs=1e-4)
    assert dv.r_error(-tgt, tgt, k, mask).item() == pytest.approx(2.0, abs=1e-4)
    # a column the avatar does not have (mask 0) is not scored: reversing only it changes nothing
    pred = tgt.clone()
    pred[k == 1, 1] *= -1
    mask[k == 1, 1] = 0
    assert dv.r_error(pred, tgt, k, mask).item() == pytest.approx(0.0, abs=1e-4)
    assert dv.VARIANTS['r0.1-renders'] == {'corr': 0.1, 'set': {'feat_dropout': 0.35}}


def test_reader_renders_draws_labelled_renders_of_every_avatar():
    "`avatar_renders`: posed renders of the named avatars in both spaces, each with its expression."
    sys.path.insert(0, str(ROOT / 'tools'))
    import numpy as np

    rr = tool('reader_renders')
    images, E = rr.avatar_renders(['human', 'toon'], 12, 64, 1)
    assert images.dtype == np.uint8 and images.shape[1:] == (64, 64, 3)
    assert len(images) == len(E) and 0 < len(images) <= 24 and np.isfinite(E).all()
    assert E.shape[1] == 25 and (E.max(1) > 0).mean() > 0.5  # most show some expression
    none, _ = rr.avatar_renders(['no such avatar'], 12, 64, 1)
    assert len(none) == 0
    # --jaw net: a jaw asked both ways shows no shift; one side more shows the difference
    i, j = rr.EXPRESSIONS.index('jawLeft'), rr.EXPRESSIONS.index('jawRight')
    E = np.zeros((2, 25), np.float32)
    E[0, [i, j]] = 0.5
    E[1, [i, j]] = 0.2, 0.7
    net = rr.relabel(E, 'net')
    assert net[0, [i, j]].tolist() == [0, 0] and np.allclose(net[1, [i, j]], [0, 0.5])
    assert rr.relabel(E, 'sampled') is E
    with pytest.raises(SystemExit, match='--jaw must be'):
        rr.relabel(E, 'neither')


def test_triplet_head_starts_as_the_shipped_space_and_learns(tmp_path):
    "`reader_term` is the shipped head at step 0; training lowers the tuning loss; rows are logged."
    sys.path.insert(0, str(ROOT / 'tools'))
    import numpy as np
    import torch
    import torch.nn as nn
    from types import SimpleNamespace
    from freeavatar.triplets import make_triplets, visual_weights
    from freeavatar.triplet_sets import TripletSet

    th = tool('triplet_head')
    torch.manual_seed(0)
    enc = SimpleNamespace(feat_dim=12, head=nn.Sequential(nn.LayerNorm(12), nn.Linear(12, 16)))
    head = th.Head('reader_term', enc, n_read=25)
    f = torch.randn(5, 12 + 25)
    want = nn.functional.normalize(enc.head(f[:, :12]), dim=-1)
    assert torch.allclose(head(f), want)  # the reader's term starts at zero
    rng = np.random.default_rng(0)
    E = rng.uniform(0, 1, (150, 25)).astype(np.float32)
    # features that carry the expression: a head can learn the labels' distances from them
    feats = np.concatenate([rng.normal(size=(150, 12)), E], 1).astype(np.float32)
    sets = {
        s: TripletSet(
            None, E, None, np.arange(150), make_triplets(E * visual_weights(), 80, rng, s)
        )
        for s in th.SOURCES
    }
    hist = th.train_head(head, {s: feats for s in th.SOURCES}, sets, 60, 8, 1e-2, 1.0, 0)
    assert np.mean(hist[-10:]) < np.mean(hist[:10])
    z = head(torch.from_numpy(feats)).detach().numpy()
    assert th.scores(z, sets['actors'])['all'] > 0.5  # chance is a third
    log = tool('log_experiment')
    res = {
        'variant': 'blend',
        **{
            g: {s: {'all': a, 'one-class': 0.4} for s in th.SOURCES}
            for g, a in (('val', 0.8), ('heldout', 0.7))
        },
    }
    (tmp_path / 'r.json').write_text(json.dumps([res]))
    path = tmp_path / 'experiments.csv'
    log.main(['--triplets', str(tmp_path / 'r.json'), '--log', str(path), '--name', 'blend',
              '--change', 'reader beside the space'])  # fmt: skip
    row = log.read_log(path)[0]
    assert row['triplet_real'] == '0.7' and row['note'].startswith('validation triplets')
    with pytest.raises(SystemExit, match='no variant named'):
        log.main(['--triplets', str(tmp_path / 'r.json'), '--log', str(path), '--name', 'x',
                  '--change', 'c'])  # fmt: skip


def test_decoder_variants_spare_the_readers_columns():
    sys.path.insert(0, str(ROOT / 'tools'))
    dv = tool('decoder_variants')
    import numpy as np
    import torch

    seen = []

    class Spy(torch.nn.Module):
        "A decoder that records its input and predicts zeros."

        def forward(self, f, k):
            seen.append(f.clone())
            return torch.zeros(len(f), 2, requires_grad=True)

    n, cfg = 3, type('Cfg', (), {'batch': 64, 'rig_loss': 'l1'})()
    feats = torch.rand(50, 10) + 1
    rows = (feats, torch.zeros(50, dtype=torch.long), torch.zeros(50, 2))
    mask, rng = torch.ones(1, 2), np.random.default_rng(0)
    # dropout 1 takes every encoder column and leaves the reader's last n whole
    dv.sparing_tail(n)(Spy().train(), rows, mask, cfg, rng, drop=1.0)
    assert (seen[-1][:, :-n] == 0).all() and (seen[-1][:, -n:] >= 1).all()
    # the block option zeroes whole rows of the encoder's columns, undropped elsewhere at drop ~0
    dv.sparing_tail(n, block=0.5)(Spy().train(), rows, mask, cfg, rng, drop=1e-9)
    zero = (seen[-1][:, :-n] == 0).all(1)
    assert 10 < int(zero.sum()) < 54 and (seen[-1][~zero, :-n] >= 1).all()
    # scaling and cutting to the reader's columns touch every feature array alike
    d = {'F': np.ones((2, 10), np.float32), 'val_F': np.ones((1, 10), np.float32)}
    s = dv.scaled_tail(d, n, 3.0)
    assert (s['val_F'][:, -n:] == 3).all() and (s['F'][:, :-n] == 1).all() and (d['F'] == 1).all()


def test_reader_renders_jitter_mirrors_the_labels_with_the_face():
    sys.path.insert(0, str(ROOT / 'tools'))
    rr = tool('reader_renders')
    import numpy as np
    import torch
    from freeavatar.arkit import EXPRESSIONS

    rng = np.random.default_rng(0)
    ims = rng.integers(0, 256, (40, 16, 16, 3)).astype(np.uint8)
    E = torch.rand(40, len(EXPRESSIONS))
    out, E2 = rr.jittered(ims, E, np.random.default_rng(1), p=0.0)
    flipped = np.array([not np.array_equal(o, i) for o, i in zip(out, ims)])
    assert 5 < flipped.sum() < 35
    # a mirrored face is its mirror image, its left channels read as right ones
    assert np.array_equal(out[flipped], ims[flipped][:, :, ::-1])
    left, right = EXPRESSIONS.index('eyeBlinkLeft'), EXPRESSIONS.index('eyeBlinkRight')
    assert torch.equal(E2[flipped][:, left], E[flipped][:, right])
    assert torch.equal(E2[~flipped], E[~flipped])
    # colour jitter on every face (p 1) keeps uint8 and changes the pixels
    out, _ = rr.jittered(ims, E, np.random.default_rng(1), p=1.0)
    assert out.dtype == np.uint8 and not np.array_equal(out, ims)
