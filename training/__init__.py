"""Fit logistic regression with PyTorch; ``python -m training`` trains and exports in one step.

data/          a table read and checked, the validation split, standardization
solvers/       the model, its objective, the optimizers, ``fit``
streaming/     Parquet read a batch at a time, the summary pass, sums across torchrun processes
description/   metrics, statistics, separation and warnings: the card's ``Description`` of a fit
options.py     the command line, declared once; config.py the ``TrainConfig``; run.py one run

It imports ``export`` (to write the artifact); ``export`` imports nothing from here.
"""
