"""Solvers: the model, its objective (closed-form oracle or autograd), the sources of rows it sums
over, the optimizers (SGD, Adam, L-BFGS), the recorded history, and ``fit`` that ties them."""
