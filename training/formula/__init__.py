"""Model formulas (``--formula "y ~ ..."``): read (``parse``) and learned from the training rows (``learn``)."""
