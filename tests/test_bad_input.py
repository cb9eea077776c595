"""Bad input reaches the user as a clear error naming the source (the notebooks test the same
functions in place)."""

import numpy as np
import pytest
import warnings
from freeavatar.core import InputError
from freeavatar.faces import VideoReader, read_image, FaceTracker, track_video
from freeavatar.assets import fetch


def test_unreadable_video_and_image(tmp_path):
    p = tmp_path / 'clip.mp4'
    p.write_bytes(b'\x00' * 1000)
    with pytest.raises(InputError, match='clip.mp4'):
        VideoReader(p)
    q = tmp_path / 'face.jpg'
    q.write_bytes(b'JFIF?')
    with pytest.raises(InputError, match='face.jpg: cannot be read as an image'):
        read_image(q)


def test_clip_without_faces_is_counted_not_fatal():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        tr = track_video(fetch('no_face.mp4'), step=5)
    assert len(tr) > 0 and tr.missing == len(tr) and np.isnan(tr.blendshapes).all()
    assert any('no face in' in str(x.message) for x in w)


def test_tracker_rejects_nan_frames():
    with FaceTracker() as t:
        with pytest.raises(InputError, match='NaN'):
            t(np.full((64, 64, 3), np.nan, np.float32), 'frame 3')
