"""The kit from Python: ``training.fit`` (options.py reads its keywords as the command line's
options, fitting.py runs the fit) and the fitted ``Model`` it returns (model.py; its tables and
HTML view in report.py). ``training.estimator`` builds on the same pieces for scikit-learn."""
