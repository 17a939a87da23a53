"""The numerical core of training: a MAP multinomial logistic regression, fit by L-BFGS.

    loss(W, b) = sum_i s_i * cross_entropy(softmax(x_i W + b), y_i)
               + 1/2 * sum_jk P_jk * (W_jk - W0_jk)^2

P and W0 are the prior: without one, W0 = 0 and P = 1/C (plain L2, as scikit-learn's C);
refitting from a model, W0 are its weights and P its diagonal precision, a Laplace
approximation of what its own training data said. Numpy only (the `train` extra); the
design matrix is kept as coordinate arrays and multiplied with `bincount`, so no scipy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Design:
    """Sparse rows of features, labels and example weights."""

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    vals: Floats
    labels: NDArray[np.int64]
    weights: Floats
    n_features: int

    @property
    def n(self) -> int:
        return len(self.labels)


def design(
    vectors: list[list[tuple[int, float]]], labels: list[int], weights: list[float], n: int
) -> Design:
    """Coordinate arrays from per-document (index, value) lists."""
    rows = np.repeat(np.arange(len(vectors)), [len(v) for v in vectors])
    flat = [pair for v in vectors for pair in v]
    cols = np.fromiter((i for i, _ in flat), dtype=np.int64, count=len(flat))
    vals = np.fromiter((x for _, x in flat), dtype=np.float64, count=len(flat))
    return Design(
        rows.astype(np.int64),
        cols,
        vals,
        np.asarray(labels, dtype=np.int64),
        np.asarray(weights, dtype=np.float64),
        n,
    )


def scores(d: Design, w: Floats, b: Floats) -> Floats:
    """Logits (n, K) for weights w (n_features, K) and bias b (K,)."""
    k = w.shape[1]
    out = np.empty((d.n, k))
    for c in range(k):
        out[:, c] = np.bincount(d.rows, weights=d.vals * w[d.cols, c], minlength=d.n) + b[c]
    return out


def _softmax(z: Floats) -> Floats:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    out: Floats = e / e.sum(axis=1, keepdims=True)
    return out


def fit(
    d: Design, k: int, w0: Floats, b0: Floats, p_w: Floats, p_b: Floats, max_iter: int, tol: float
) -> tuple[Floats, Floats]:
    """MAP weights (n_features, K) and bias (K,), starting from the prior's centre."""
    shape = (d.n_features, k)
    onehot = np.zeros((d.n, k))
    onehot[np.arange(d.n), d.labels] = 1.0

    def objective(theta: Floats) -> tuple[float, Floats]:
        w = theta[:-k].reshape(shape)
        b = theta[-k:]
        z = scores(d, w, b)
        top = z.max(axis=1, keepdims=True)
        lse = (top + np.log(np.exp(z - top).sum(axis=1, keepdims=True)))[:, 0]
        loss = float(np.dot(d.weights, lse - z[np.arange(d.n), d.labels]))
        resid = (np.exp(z - lse[:, None]) - onehot) * d.weights[:, None]
        grad_w = np.empty(shape)
        for c in range(k):
            grad_w[:, c] = np.bincount(
                d.cols, weights=d.vals * resid[d.rows, c], minlength=d.n_features
            )
        dw, db = w - w0, b - b0
        loss += 0.5 * float(np.sum(p_w * dw * dw) + np.sum(p_b * db * db))
        grad = np.concatenate([(grad_w + p_w * dw).ravel(), resid.sum(axis=0) + p_b * db])
        return loss, grad

    theta = lbfgs(objective, np.concatenate([w0.ravel(), b0]), max_iter, tol)
    return theta[:-k].reshape(shape), theta[-k:]


def precision(d: Design, w: Floats, b: Floats, p_w: Floats, p_b: Floats) -> tuple[Floats, Floats]:
    """Diagonal of the loss's Hessian at (w, b): the posterior precision of each weight."""
    p = _softmax(scores(d, w, b))
    curv = p * (1.0 - p) * d.weights[:, None]
    out = np.empty_like(p_w)
    for c in range(w.shape[1]):
        out[:, c] = np.bincount(
            d.cols, weights=d.vals * d.vals * curv[d.rows, c], minlength=d.n_features
        )
    return out + p_w, curv.sum(axis=0) + p_b


def lbfgs(
    fun: Callable[[Floats], tuple[float, Floats]],
    x0: Floats,
    max_iter: int,
    tol: float,
    memory: int = 10,
) -> Floats:
    """Minimise a smooth convex function: L-BFGS two-loop recursion, Armijo backtracking."""
    x = x0.copy()
    f, g = fun(x)
    history: list[tuple[Floats, Floats, float]] = []
    for _ in range(max_iter):
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(history):
            a = rho * float(s @ q)
            q -= a * y
            alphas.append(a)
        if history:
            s, y, _ = history[-1]
            q *= float(s @ y) / float(y @ y)
        else:
            q /= max(1.0, float(np.abs(g).max()))
        for (s, y, rho), a in zip(history, reversed(alphas), strict=True):
            q += s * (a - rho * float(y @ q))
        direction = -q
        slope = float(g @ direction)
        if slope >= 0:  # not a descent direction: restart from steepest descent
            history.clear()
            direction, slope = -g, -float(g @ g)
        step = 1.0
        while True:
            x_new = x + step * direction
            f_new, g_new = fun(x_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-12:
                break
            step *= 0.5
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-12:
            history.append((s, y, 1.0 / sy))
            del history[:-memory]
        done = abs(f - f_new) <= tol * max(1.0, abs(f_new))
        x, f, g = x_new, f_new, g_new
        if done:
            break
    return x
