"""The optimum beside the run: where a fit stopped short of the optimum of its own objective (SGD or
Adam epochs that ran out, an L-BFGS iteration limit), the exact solver is run after it on the same
rows and objective, and the card records what it reached (``summary.optimum``). The tutorial's 1000
SGD epochs say P(y = 1 | x = 5) = 0.4420; the optimum of its four points says 0.5."""

from dataclasses import replace

from export.card.sections import Optimum
from training.solvers.fit import FitResult, fit
from training.solvers.history import parameters
from training.streaming.reduce import Reducer
from training.streaming.rows import Rows
from training.streaming.summary import RowSummary

MORE_ITERATIONS = 10  # the exact solver's iteration limit, times the run's


def optimum_of(train: Rows, result: FitResult, summary: RowSummary, reducer: Reducer) -> Optimum | None:
    """The optimum of ``result``'s objective on ``train`` (in memory or streamed: ``summary`` and
    ``reducer`` as for ``fit``), when the run did not converge and L-BFGS does; else None
    (converged already, or no optimum to reach: separated classes without a penalty)."""
    if result.convergence.converged:
        return None
    config = replace(
        result.config, optimizer="lbfgs", batch_size=None, max_iter=MORE_ITERATIONS * result.config.max_iter
    )
    exact = fit(config, train, summary=summary, reducer=reducer)
    if not exact.convergence.converged:
        return None
    weights, intercept = parameters(exact.model)
    return Optimum(weights=weights.tolist(), intercept=intercept.tolist(), objective=exact.final_loss)
