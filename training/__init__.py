"""Fit logistic regression with PyTorch; ``python -m training`` trains and exports in one step."""
