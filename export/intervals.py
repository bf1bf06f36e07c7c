"""The 95% interval of each served probability, from the coefficients' covariance in the card
(``statistics.covariance``); numpy only (the reader checks the graph's interval outputs against it,
and the graph computes the same thing in ONNX: ``export.writer.intervals``).

Binary: the interval of the logit z = x~ . b, z ± 1.96 sqrt(x~' V x~) with x~ = [1, terms], sent
through the sigmoid at its ends (R's ``predict(se.fit = TRUE)``, statsmodels' GLM
``get_prediction``); class 0's interval is one minus class 1's, reversed.

Multinomial: the coefficients of classes 1..K-1 relative to class 0 (the covariance's order), and
for each class k its log-odds eta_k = log(p_k / (1 - p_k)), whose gradient in those coefficients is
g_kj x~ with g_kj = (δ_kj - p_j) / (1 - p_k). By the delta method var(eta_k) = g_k' A g_k, where
A_jl = x~' V_jl x~ (V_jl the covariance block of classes j and l); the interval is eta_k ± 1.96 sd
sent through the sigmoid. Written without 1 - p (which cancels): with e = exp(z - max z) and O_k the
sum of e over the other classes, g_kk = 1, g_kj = -e_j / O_k, eta_k = log e_k - log O_k.
"""

import numpy as np

Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile
# said where an interval would be shown, for a model whose card holds no covariance
NO_INTERVAL = (
    "No interval: this model's card holds no covariance of its coefficients (a penalized fit, class weights, "
    "separated classes, a fit that did not converge or an older export has none; Coefficients and statistics "
    "says why)"
)


def design_rows(terms: np.ndarray) -> np.ndarray:
    """Terms (n, m-1) -> x~ = [1, terms] (n, m) in float64."""
    return np.column_stack([np.ones(len(terms)), np.asarray(terms, dtype=np.float64)])


def logit_covariances(covariance: np.ndarray, terms: np.ndarray, absolute: bool = False) -> np.ndarray:
    """A (n, E, E): A_jl = x~' V_jl x~ for each row, E the covariance's equations (1 binary); with
    ``absolute``, |x~|' |V_jl| |x~| instead (what bounds the rounding of A)."""
    x = design_rows(terms)
    m = x.shape[1]
    equations = len(covariance) // m
    blocks = np.asarray(covariance, dtype=np.float64).reshape(equations, m, equations, m)
    if absolute:
        x, blocks = np.abs(x), np.abs(blocks)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.einsum("ns,jslt,nt->njl", x, blocks, x)


def sigmoid(t: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-t))


def probability_interval(
    covariance: np.ndarray, terms: np.ndarray, logits: np.ndarray, binary: bool, rounding: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high), each (n, K) float64: the 95% interval of each class's probability for rows of
    ``terms`` whose logits (float64; (n,) binary, (n, K) multinomial) the model gives.

    A quadratic form of raw inputs cancels: computed in float64 in another order, x~' V x~ may differ
    by (m + 2) 2^-53 |x~|' |V| |x~| (and come out negative, read as 0, where V's correlations nearly
    cancel a huge input). ``rounding`` +1 (-1) adds (takes) that much to (from) every variance: the
    widest (narrowest) interval a float64 computation may honestly give."""
    variances = logit_covariances(covariance, terms)
    spread = 0.0
    if rounding:
        m = np.shape(terms)[1] + 1
        spread = rounding * (m + 2) * 2.0**-53 * logit_covariances(covariance, terms, absolute=True)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if binary:
            z = np.asarray(logits, dtype=np.float64).reshape(-1)
            half = Z_95 * np.sqrt(np.maximum((variances + spread)[:, 0, 0], 0.0))
            low, high = sigmoid(z - half), sigmoid(z + half)
            return np.column_stack([sigmoid(-(z + half)), low]), np.column_stack([sigmoid(-(z - half)), high])
        z = np.asarray(logits, dtype=np.float64)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        others = e @ (1.0 - np.eye(e.shape[1]))  # summed, not 1 - p_k: no cancellation
        k = e.shape[1]
        g = -e[:, None, 1:] / np.maximum(others, np.finfo(float).tiny)[:, :, None]  # (n, K, E)
        g[:, np.arange(1, k), np.arange(k - 1)] = 1.0
        variance = np.einsum("nkj,njl,nkl->nk", g, variances, g)
        if rounding:  # g' A g moves by at most |g|' spread |g|
            variance += np.einsum("nkj,njl,nkl->nk", np.abs(g), spread, np.abs(g))
        eta = np.log(e) - np.log(others)
        half = Z_95 * np.sqrt(np.maximum(variance, 0.0))
        return sigmoid(eta - half), sigmoid(eta + half)
