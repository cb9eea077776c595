"""Retargeting as a user runs it: bad input gives exit code 2 and one clear line; good input gives
readable files."""

import argparse
import csv
import json
import math
import re
import cv2
import numpy as np
import pandas as pd
import pytest
import torch
from freeavatar.assets import fetch
from freeavatar.core import InputError, set_seed
from freeavatar.faces import read_frame
from freeavatar.smoothing import OneEuro, jitter, lag_frames, smooth_curves, ONE_EURO
from freeavatar.pipeline import STAGES
from freeavatar.retarget import retarget, add_retarget_args, cmd_retarget, add_demo_args

CLIP = fetch('single_face.mp4')  # 72 frames, 640x360, one face: neutral -> smile -> neutral


@pytest.fixture(scope='module')
def anim():
    "A tiny untrained animator: fast, and enough for the plumbing."
    from freeavatar.mae import MAEConfig
    from freeavatar.expression import ExpressionEncoder
    from freeavatar.animator import Animator, RigDecoder, AnimatorConfig
    from freeavatar.avatars import load_avatars

    torch.set_num_threads(1)
    set_seed(0)
    enc = ExpressionEncoder(MAEConfig.tiny())
    return Animator(
        enc,
        RigDecoder(enc.feat_dim, [25, 9, 8], AnimatorConfig.tiny()),
        list(load_avatars().values()),
    )


@pytest.fixture(scope='module')
def weights(anim, tmp_path_factory):
    "The tiny animator saved as a weights folder, for the CLI functions."
    d = tmp_path_factory.mktemp('weights')
    anim.save(d)
    return d


def cli(weights, *argv):
    p = argparse.ArgumentParser()
    add_retarget_args(p)
    return cmd_retarget(p.parse_args([*map(str, argv), '--weights', str(weights), '--quiet']))


def fails(capsys, weights, *argv, match):
    rc = cli(weights, *argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert re.search(match, err), err
    assert len(err.strip().splitlines()) == 1 and err.startswith('freeavatar: error: '), err
    return err


def no_temp_left(folder):
    return not [
        p for p in folder.rglob('*') if p.name.startswith('.retarget-') or p.name.endswith('.tmp')
    ]


# ---- bad input: each a clear message naming the file and the problem ----


def test_missing_file(capsys, weights, tmp_path):
    fails(
        capsys,
        weights,
        tmp_path / 'missing.mp4',
        '--out',
        tmp_path / 'o',
        match=r'missing\.mp4: no such file',
    )
    # a failed run leaves no folder it made
    assert not (tmp_path / 'o').exists()


def test_text_file_named_mp4(capsys, weights, tmp_path):
    (tmp_path / 'clip.mp4').write_text('this is not a video\n' * 20)
    fails(
        capsys,
        weights,
        tmp_path / 'clip.mp4',
        '--out',
        tmp_path / 'o',
        match=r'clip\.mp4: cannot be opened as a video',
    )


def test_zero_frame_video(capsys, weights, tmp_path):
    p = tmp_path / 'zero.mp4'
    w = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*'mp4v'), 30, (64, 64))
    w.release()
    assert p.exists()
    fails(
        capsys,
        weights,
        p,
        '--out',
        tmp_path / 'o',
        match=r'zero\.mp4: (cannot be opened as a video|contains no decodable video frame)',
    )


def test_video_without_a_face(capsys, weights, tmp_path):
    fails(
        capsys,
        weights,
        fetch('no_face.mp4'),
        '--out',
        tmp_path / 'o',
        '--max-frames',
        12,
        match=r'no_face\.mp4: no face found in any of its 12 frames',
    )
    assert not (tmp_path / 'o').exists()


def test_grayscale_video_works(anim, tmp_path):
    p = tmp_path / 'gray.avi'
    w = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*'MJPG'), 30, (640, 360), isColor=False)
    for i in range(0, 12):
        w.write(cv2.cvtColor(read_frame(CLIP, i), cv2.COLOR_RGB2GRAY))
    w.release()
    s = retarget(p, tmp_path / 'o', animator=anim, formats='csv', progress=False)
    assert s['frames'] == 12 and not s['no_face_frames']


def test_4k_frame_works(anim, tmp_path):
    big = cv2.resize(read_frame(CLIP, 0), (3840, 2160), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(str(tmp_path / 'big.png'), big[..., ::-1])
    s = retarget(
        tmp_path / 'big.png', tmp_path / 'o', animator=anim, formats='csv,json', progress=False
    )
    assert s['frames'] == 1 and s['no_face_frames'] == []
    df = pd.read_csv(tmp_path / 'o' / 'toon.csv')
    assert len(df) == 1 and df.confidence[0] == 1


def test_unknown_avatar(capsys, weights, tmp_path):
    fails(
        capsys,
        weights,
        CLIP,
        '--out',
        tmp_path / 'o',
        '--avatars',
        'human,dragon',
        match=r'dragon: unknown avatar',
    )


def test_unwritable_out_is_checked_before_anything_else(capsys, weights, tmp_path):
    blocker = tmp_path / 'file.txt'
    blocker.write_text('x')
    # the input does not exist either: the folder is checked first, before any input is opened
    fails(
        capsys,
        weights,
        tmp_path / 'missing.mp4',
        '--out',
        blocker / 'out',
        match=r'file\.txt/out: output folder cannot be written',
    )


def test_unknown_format_and_smoothing(capsys, weights, tmp_path):
    fails(
        capsys,
        weights,
        CLIP,
        '--out',
        tmp_path / 'o',
        '--formats',
        'csv,fbx',
        match=r"unknown format 'fbx'",
    )
    with pytest.raises(InputError, match="unknown smoothing 'kalman'"):
        retarget(CLIP, tmp_path / 'o', smooth='kalman')


def test_bad_neutral_frame(capsys, weights, tmp_path):
    fails(
        capsys,
        weights,
        CLIP,
        '--out',
        tmp_path / 'o',
        '--neutral',
        'first',
        match=r"--neutral: expected a frame index >= 0 or 'auto'",
    )
    fails(
        capsys,
        weights,
        CLIP,
        '--out',
        tmp_path / 'o',
        '--max-frames',
        8,
        '--neutral',
        99,
        match=r'frame 99 is outside .*single_face\.mp4 \(frames 0\.\.7\)',
    )


def test_missing_weights(capsys, tmp_path):
    fails(
        capsys,
        tmp_path / 'nothing',
        CLIP,
        '--out',
        tmp_path / 'o',
        match=r'nothing: no trained weights here',
    )


# ---- good input: the files ----


def test_outputs(capsys, weights, anim, tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'mine.txt').write_text('keep me')
    rc = cli(
        weights,
        CLIP,
        '--out',
        out,
        '--max-frames',
        24,
        '--batch',
        8,
        '--neutral',
        'auto',
        '--json',
        tmp_path / 's.json',
    )
    assert rc == 0, capsys.readouterr().err
    assert 'frames/s end to end' in capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert names == {
        'mine.txt',
        'animation.json',
        'preview.mp4',
        *(f'{a}.{e}' for a in anim.names for e in ('csv', 'glb')),
    }
    assert (out / 'mine.txt').read_text() == 'keep me' and no_temp_left(out)
    # CSV: readable by csv and pandas; Live Link Face layout, then frame, time, confidence
    for av in anim.avatars:
        df = pd.read_csv(out / f'{av.name}.csv')
        assert list(df.columns) == [
            'Timecode',
            'BlendShapeCount',
            *av.controls,
            'frame',
            'time',
            'confidence',
        ]
        assert (
            len(df) == 24
            and (df.BlendShapeCount == len(av.controls)).all()
            and df.frame.tolist() == list(range(24))
        )
        assert (
            np.allclose(df.time, np.arange(24) / 30, atol=1e-4)
            and df[av.controls].values.min() >= 0
            and df[av.controls].values.max() <= 1
        )
    rows = list(csv.reader(open(out / 'human.csv')))
    # ARKit camelCase, positional
    n = int(rows[1][1])
    assert {'jawOpen', 'mouthSmileLeft', 'eyeBlinkLeft'} <= set(rows[0][2 : 2 + n])
    assert rows[1][0] == '00:00:00:00.000' and rows[-1][0] == '00:00:00:23.000'
    # JSON
    doc = json.loads((out / 'animation.json').read_text())
    for k in (
        'fps',
        'frames',
        'avatars',
        'controls',
        'values',
        'confidence',
        'no_face_frames',
        'smoothing',
        'models',
        'neutral',
    ):
        assert k in doc, k
    assert doc['frames'] == 24 and doc['fps'] == 30 and doc['avatars'] == anim.names
    assert np.array(doc['values']['creature']).shape == (24, 8) and doc['controls']['toon'] == list(
        anim.avatars[1].controls
    )
    assert (
        doc['smoothing'] == {'method': 'one-euro', **ONE_EURO} and doc['neutral']['mode'] == 'auto'
    )
    assert doc['confidence'] == [1.0] * 24 and doc['no_face_frames'] == []
    assert len(doc['models']['encoder_sha256']) == 16 and doc['models']['weights']
    # preview: readable back, one frame per frame
    cap = cv2.VideoCapture(str(out / 'preview.mp4'))
    n = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        n += 1
        shape = img.shape
    cap.release()
    assert n == 24 and shape[1] == 128 * 4
    # glTF: a binary glTF file per avatar
    assert all((out / f'{a}.glb').read_bytes()[:4] == b'glTF' for a in anim.names)
    # the summary a benchmark reads
    s = json.loads((tmp_path / 's.json').read_text())
    assert (
        set(s['speed']['ms_per_frame']) == set(STAGES)
        and s['speed']['fps_end_to_end'] > 0
        and s['speed']['mediapipe_ms_per_frame'] > 0
    )


def test_failed_run_changes_nothing(anim, tmp_path, monkeypatch):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'human.csv').write_text('old')
    # fails before any work
    with pytest.raises(InputError, match='frame 30 is outside'):
        retarget(CLIP, out, animator=anim, max_frames=12, neutral=30, progress=False)
    import freeavatar.retarget as R

    def broken(*a, **k):
        raise RuntimeError('disk full')

    # fails after CSV, glTF and JSON were written
    monkeypatch.setattr(R, 'write_preview', broken)
    with pytest.raises(RuntimeError, match='disk full'):
        retarget(CLIP, out, animator=anim, max_frames=6, progress=False)
    assert (
        sorted(p.name for p in out.iterdir()) == ['human.csv']
        and (out / 'human.csv').read_text() == 'old'
    )


def test_frames_without_face_are_listed_and_filled(anim, tmp_path):
    s = retarget(
        fetch('face_noface.mov'),
        tmp_path,
        animator=anim,
        formats='csv',
        smooth='none',
        progress=False,
    )
    gone = s['no_face_frames']
    assert 0 < len(gone) < s['frames']
    df = pd.read_csv(tmp_path / 'toon.csv')
    assert (df.confidence[gone] == 0).all() and (df.confidence.drop(index=gone) == 1).all()
    v = df.iloc[:, 2 : 2 + int(df.BlendShapeCount[0])].values
    assert np.isfinite(v).all() and v.min() >= 0 and v.max() <= 1


def test_demo_args():
    p = argparse.ArgumentParser()
    add_demo_args(p)
    a = p.parse_args([])
    assert a.out == 'out' and a.smooth == 'one-euro' and a.formats == 'csv,json,gltf,mp4'


# ---- the One Euro filter against the paper ----


def one_euro_reference(xs, fps, min_cutoff, beta, d_cutoff):
    "Casiez et al. 2012, written out for one scalar signal."
    alpha = lambda fc: 1 / (1 + (1 / (2 * math.pi * fc)) * fps)
    out, x_hat, dx_hat = [], None, 0.0
    for x in xs:
        if x_hat is not None:
            dx_hat = alpha(d_cutoff) * (x - x_hat) * fps + (1 - alpha(d_cutoff)) * dx_hat
            a = alpha(min_cutoff + beta * abs(dx_hat))
            x_hat = a * x + (1 - a) * x_hat
        else:
            x_hat = x
        out.append(x_hat)
    return np.array(out)


@pytest.mark.parametrize(
    'params',
    [dict(min_cutoff=1.0, beta=1.0, d_cutoff=1.0), dict(min_cutoff=0.3, beta=5.0, d_cutoff=2.0)],
)
def test_one_euro_matches_reference(params):
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(0, 0.02, (200, 4)), 0) + 0.5
    y = OneEuro(24, **params).run(x)
    for j in range(4):
        np.testing.assert_allclose(y[:, j], one_euro_reference(x[:, j], 24, **params), atol=1e-5)


def test_one_euro_constant_jitter_lag():
    np.testing.assert_array_equal(
        smooth_curves(np.full((60, 3), 0.4), 30), np.full((60, 3), 0.4, np.float32)
    )
    rng = np.random.default_rng(0)
    t = np.arange(300) / 30
    noisy = (0.5 + 0.3 * np.sin(2 * np.pi * 0.4 * t))[:, None] + rng.normal(0, 0.03, (300, 1))
    y = smooth_curves(noisy, 30)
    assert jitter(y) < jitter(noisy) / 3
    assert 0 < lag_frames(noisy, y) < 3
    sig = np.convolve(rng.normal(size=500), np.ones(9) / 9, 'same')
    assert abs(lag_frames(sig[4:], sig[:-4]) - 4) < 0.05 and abs(lag_frames(sig, sig)) < 1e-6
    assert smooth_curves(noisy, 30, 'none').tolist() == noisy.astype(np.float32).tolist()
