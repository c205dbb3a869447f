#!/usr/bin/env python3
"""Generates the independent FID/KID reference values the Java tests compare against.

Run from this folder:  python3 make_fixture.py   (numpy 2.4.6, scipy 1.17.1 were used)

The FID reference is pytorch-fid v0.3.0's algorithm (src/pytorch_fid/fid_score.py, calculate_frechet_distance):
mu = mean(act, 0), sigma = np.cov(act, rowvar=False), scipy.linalg.sqrtm of sigma1 @ sigma2 (a Schur method on the
non-symmetric product: a different algorithm from the Java code's two symmetric eigendecompositions).
For the rank-deficient case the reference is pytorch-fid's fallback branch (sqrtm of (s1 + 1e-6 I)(s2 + 1e-6 I)),
the branch the Java code takes when a covariance is rank-deficient.
KID: torch-fidelity's / clean-fid's unbiased MMD^2 with k(x, y) = (x.y/d + 1)^3 on one subset holding every row
(equal n on both sides), which makes the value independent of the subset draw.
"""
import json

import numpy as np
from scipy import linalg


def stats(act):
    act = act.astype(np.float64)
    return np.mean(act, axis=0), np.cov(act, rowvar=False)


def fid(mu1, s1, mu2, s2, force_offset=False, eps=1e-6):
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    if force_offset or not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError("Imaginary component {}".format(np.max(np.abs(covmean.imag))))
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def kid_full(x, y):
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    d = x.shape[1]
    m = x.shape[0]
    a = (x @ x.T / d + 1) ** 3 + (y @ y.T / d + 1) ** 3
    b = (x @ y.T / d + 1) ** 3
    return float(((a.sum() - np.diag(a).sum()) / (m - 1) - b.sum() * 2 / m) / m)


rng = np.random.default_rng(20261127)
d = 16
mix_a = rng.normal(size=(d, d))
mix_b = rng.normal(size=(d, d)) * 0.7 + np.eye(d)
a = (rng.normal(size=(400, d)) @ mix_a + 0.5).astype(np.float32)
b = (rng.normal(size=(300, d)) @ mix_b - 0.25).astype(np.float32)
np.save("features_a.npy", a)
np.save("features_b.npy", b)
# rank-deficient: fewer samples than dimensions
c = a[:10].copy()
e = b[:12].copy()
np.save("features_small_a.npy", c)
np.save("features_small_b.npy", e)
# KID: equal counts, one subset holding all rows
ka = a[:200].copy()
kb = b[:200].copy()

mu_a, s_a = stats(a)
mu_b, s_b = stats(b)
mu_c, s_c = stats(c)
mu_e, s_e = stats(e)
# pytorch-fid writes its statistics exactly like this
np.savez("pytorch_fid_stats_a.npz", mu=mu_a, sigma=s_a)

expected = {
    "fid_a_b": fid(mu_a, s_a, mu_b, s_b),
    "fid_b_a": fid(mu_b, s_b, mu_a, s_a),
    "fid_small_offset": fid(mu_c, s_c, mu_e, s_e, force_offset=True),
    "fid_small_plain_scipy": fid(mu_c, s_c, mu_e, s_e),
    "rank_small_a": int(np.linalg.matrix_rank(s_c)),
    "kid_a200_b200": kid_full(ka, kb),
    "kid_a200_a200": kid_full(ka, ka),
    "numpy": np.__version__,
    "scipy": __import__("scipy").__version__,
}
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=2)
print(json.dumps(expected, indent=2))
