"""Each categorical feature (a formula model: each outermost formula term) tested as a whole: the
likelihood-ratio test of the model without any of its columns against the full model (R's
``drop1(fit, test = "Chisq")``, which drops a term's columns from the model matrix).

A feature with several levels has a Wald row per level in the coefficient table, each against the
reference level (a spline, a row per basis column); whether it matters at all is one question with
one answer, asked by refitting without its columns. The statistic is 2 (l_full - l_without), on as
many degrees of freedom as the full model has identified terms more (times K - 1 for K classes).
"""

from export.card.sections import LRTest
from training.description.distributions import chi2_above
from training.description.evaluation import evaluate_rows
from training.solvers.fit import FitResult, fit
from training.streaming.reduce import Reducer
from training.streaming.rows import Rows
from training.streaming.summary import RowSummary


def group_tests(
    train: Rows, result: FitResult, log_likelihood: float, summary: RowSummary, reducer: Reducer
) -> dict[str, LRTest]:
    """The test of each group of columns ``train``'s design tests (``tested_groups``), in memory or
    streamed (``summary`` and ``reducer`` as for ``fit``), for the unpenalized
    maximum-likelihood fit ``result`` whose log-likelihood on ``train`` is ``log_likelihood``."""
    tests = {}
    for name, left_out in train.inputs.tested_groups().items():
        without = fit(result.config, train, left_out=left_out, summary=summary, reducer=reducer)
        reduced = evaluate_rows(train, without, None, reducer=reducer).log_likelihood
        df = (len(result.rank.kept) - len(without.rank.kept)) * (train.n_classes - 1)
        statistic = max(2 * (log_likelihood - reduced), 0.0) if df else 0.0
        # df 0: every term of the feature is aliased, so leaving it out changes nothing (chi2 on 0 df is 0: p = 1)
        p_value = chi2_above(statistic, df) if df else 1.0
        tests[name] = LRTest(statistic=statistic, df=df, p_value=p_value)
    return tests
