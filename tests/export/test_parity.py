import numpy as np
import pytest

from export.errors import ParityError
from export.parity import assert_parity, assert_tail_accuracy, binary_probabilities64, sigmoid64


def served_from(reference_logit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a faithful float32 graph returns for these logits."""
    with np.errstate(over="ignore"):  # 1e39 rounds to inf in float32, as the graph's cast does
        logit = reference_logit.astype(np.float32)
    probabilities = binary_probabilities64(logit).astype(np.float32)
    return logit, probabilities, (probabilities[:, 1] > 0.5).astype(np.int64)


LOGITS = np.concatenate([np.linspace(-80, 80, 2001), [1e39, -1e39]])


def test_sigmoid64_is_exact_in_both_tails():
    assert sigmoid64(np.array([-700.0]))[0] == pytest.approx(np.exp(-700.0), rel=1e-12)
    assert sigmoid64(np.array([np.inf, -np.inf])).tolist() == [1.0, 0.0]


def test_faithful_outputs_pass_and_report_their_error():
    report = assert_parity(LOGITS, *served_from(LOGITS), threshold=0.5)
    assert report.rows == len(LOGITS)
    assert 0 < report.max_probability_abs < 1e-7


def test_a_shifted_probability_fails():
    logit, probabilities, label = served_from(LOGITS)
    probabilities[1000, 1] += 1e-5
    with pytest.raises(ParityError, match=r"probabilities differ from torch at row 1000"):
        assert_parity(LOGITS, logit, probabilities, label, threshold=0.5)


def test_a_wrong_tail_fails_even_when_tiny_in_absolute_terms():
    logit, probabilities, label = served_from(LOGITS)
    probabilities[200, 1] *= 2  # logit -64, p about 1.6e-28: harmless in absolute terms, 100% off in relative
    with pytest.raises(ParityError, match=r"probabilities differ from torch at row 200"):
        assert_parity(LOGITS, logit, probabilities, label, threshold=0.5)


def test_a_wrong_label_fails_but_a_tie_at_the_threshold_does_not():
    logit, probabilities, label = served_from(LOGITS)
    label[1000] = 1 - label[1000]  # logit 0: p = 0.5 exactly, either label is honest
    assert_parity(LOGITS, logit, probabilities, label, threshold=0.5)
    label[1500] = 1 - label[1500]
    with pytest.raises(ParityError, match=r"label 0 differs from 1 \(torch\) at row 1500"):
        assert_parity(LOGITS, logit, probabilities, label, threshold=0.5)


def test_overflowed_logit_must_keep_its_sign():
    logit, probabilities, label = served_from(LOGITS)
    logit[-1] = np.inf
    with pytest.raises(ParityError, match=r"logit differs from torch"):
        assert_parity(LOGITS, logit, probabilities, label, threshold=0.5)


def test_tail_check_rejects_nan_non_monotone_and_inaccurate_tails():
    logit, probabilities, _ = served_from(LOGITS)
    assert assert_tail_accuracy(logit, probabilities) < 1e-7
    nan, bump, tail = probabilities.copy(), probabilities.copy(), probabilities.copy()
    nan[5, 1] = np.nan
    bump[1990, 1] = 0.5
    tail[:250, 1] *= 1.001  # still monotone, but 1e-3 relative off where p is about 1e-28
    for broken, message in [(nan, "contain NaN"), (bump, "not monotone"), (tail, r"relative error 0.001 at logit")]:
        with pytest.raises(ParityError, match=message):
            assert_tail_accuracy(logit, broken)


def test_a_nan_logit_fails_even_with_good_probabilities():
    logit, probabilities, label = served_from(LOGITS)
    logit[7] = np.nan
    with pytest.raises(ParityError, match=r"logit differs from torch by nan relative"):
        assert_parity(LOGITS, logit, probabilities, label, threshold=0.5)
