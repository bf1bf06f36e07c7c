"""Description: what a fit is worth and what the card says about it: metrics, statistics,
separation, warnings, the card's training fields and the printed report."""
