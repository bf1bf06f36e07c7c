"""The penalty a fit adds to its mean log loss, and everything that follows from it, in one place:
how categorical levels are coded, whether aliased terms are looked for, whether the optimum is the
maximum-likelihood estimate (so the likelihood-based statistics apply), and the objective's term.

- none: the maximum-likelihood fit; levels against a reference (treatment coding), aliased terms
  found and held at 0.
- L2 (``--l2 LAMBDA``): LAMBDA / 2 |w|^2 on the standardized weights; every level its own term
  (one-hot, which the penalty treats alike) and left unscaled; the penalty determines every term,
  so none is aliased.
- Firth (``--penalty firth``): Jeffreys' prior, -log det I / (2 sum v) on the mean scale; treatment
  coding and aliasing as for none, but not a maximum-likelihood estimate.

No torch here (the command line's checks import this module); the terms take the model's tensors.
"""

from dataclasses import dataclass

KINDS = ("none", "l2", "firth")


@dataclass(frozen=True)
class Penalty:
    """``kind`` one of ``KINDS``; ``strength`` the L2 penalty's LAMBDA (0 for the others)."""

    kind: str = "none"
    strength: float = 0.0

    @classmethod
    def of(cls, l2: float, penalty: str) -> "Penalty":
        """From the command line's ``--l2`` and ``--penalty`` (their combination checked by the config)."""
        if penalty == "firth":
            return cls("firth")
        return cls("l2", float(l2)) if l2 > 0 else cls()

    @property
    def maximum_likelihood(self) -> bool:
        """Whether the optimum is the maximum-likelihood estimate: standard errors, p-values, the LR
        test and the separation test apply as they stand."""
        return self.kind == "none"

    @property
    def firth(self) -> bool:
        return self.kind == "firth"

    @property
    def l2(self) -> float:
        return self.strength if self.kind == "l2" else 0.0

    @property
    def determines_every_term(self) -> bool:
        """An L2 penalty makes every coefficient unique: no term is aliased, and levels stay 0/1
        columns (scikit-learn's OneHotEncoder beside a StandardScaler)."""
        return self.kind == "l2"

    @property
    def coding(self) -> str:
        """How categorical levels become terms (``export.design``)."""
        return "one-hot" if self.determines_every_term else "treatment"

    def term(self, weight, firth_term):
        """What the objective adds to the mean log loss, from the standardized ``weight`` tensor and
        ``firth_term`` (a callable giving Firth's term: it needs the rows); 0 for none."""
        if self.kind == "l2":
            return 0.5 * self.strength * weight.pow(2).sum()
        if self.kind == "firth":
            return firth_term()
        return 0.0
