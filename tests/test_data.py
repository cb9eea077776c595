"Data sets of the actors issue: identity split, clip split, corrupt caches, bad FEC rows."

import numpy as np
import pytest
from freeavatar.core import InputError
from freeavatar.actors import identity_ids, identity_bank
from freeavatar.datasets import make_dataset
from freeavatar.datasets import dataset_path
from freeavatar.datasets import REAL_CLIPS
from freeavatar.triplet_sets import load_fec_csv


def test_no_heldout_identity_trains():
    held = set(identity_ids('heldout'))
    assert held and not held & set(identity_ids('train'))
    assert {i.id for i in identity_bank() if i.heldout} == held
    ds = make_dataset('actors', 'train', n=60, size=48, seed=5)
    assert not set(ds.identity) & held
    assert set(make_dataset('actors', 'heldout', n=30, size=48, seed=5).identity) <= held


def test_real_split_by_clip():
    assert not set(REAL_CLIPS['train']) & set(REAL_CLIPS['heldout'])
    tr = make_dataset('real', 'train', n=20, size=48, seed=5)
    assert set(tr.domain) <= set(REAL_CLIPS['train']) and (tr.identity == -1).all()


def test_corrupt_cache_is_rebuilt():
    a = make_dataset('avatars', 'train', n=12, size=32, seed=9)
    p = dataset_path('avatars', 'train', 12, 32, 9)
    p.write_bytes(b'PK\x03\x04 truncated')
    with pytest.warns(UserWarning, match='corrupt cache'):
        b = make_dataset('avatars', 'train', n=12, size=32, seed=9)
    assert np.array_equal(a.images, b.images)


def test_bad_dataset_arguments():
    with pytest.raises(InputError, match="kind must be"):
        make_dataset('cartoons')
    with pytest.raises(InputError, match="split must be"):
        make_dataset('actors', 'test')
    with pytest.raises(InputError, match=r"augment .* must be in \[0, 1\]"):
        make_dataset('actors', augment=2)


def test_augment_strength_is_part_of_the_cache_name():
    assert dataset_path('actors', 'train', 10, 32, 0, augment=0.5) != dataset_path(
        'actors', 'train', 10, 32, 0, augment=1.0
    )


def test_fec_missing_csv(tmp_path):
    with pytest.raises(InputError, match='no such FEC csv'):
        load_fec_csv(tmp_path / 'nope.csv', tmp_path)
