"""The command line is declared once (training/options.py): every option is a field, and a flag
given lands in that field."""

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from no_torch import BLOCK_TORCH

from training.__main__ import parse
from training.config import TrainConfig
from training.options import Request, build_parser


def test_every_config_field_is_an_option():
    flags = {a.dest for a in build_parser(Request, TrainConfig)._actions}
    assert {f.name for f in fields(TrainConfig)} <= flags
    assert {f.name for f in fields(Request)} <= flags


def test_no_flags_is_the_tutorial_and_data_switches_to_lbfgs_on_standardized_features():
    config, request = parse([])
    assert config == TrainConfig() and request.data is None and request.artifact == Path("artifacts/model.onnx")
    config, request = parse(["--data", "data/d.csv", "--target", "y"])
    assert request.artifact == Path("artifacts/d.onnx")  # your own data never replaces the tutorial's model
    assert (config.optimizer, config.standardize) == ("lbfgs", True)
    assert parse(["--data", "d.csv", "--target", "y", "--no-standardize"])[0].standardize is False


def test_each_flag_lands_in_its_field():
    data = ["--data", "d.csv", "--target", "y", "--features", "a, b", "--weight-column", "w", "--drop-missing"]
    fitting = ["--l2", "0.5", "--seed", "3", "--valid-fraction", "0.2", "--choose-threshold", "f1", "--tol", "1e-7"]
    output = ["--batch-size", "8", "--predict", "a=1,b=2", "--memory-budget", "2GB", "--log-every", "5"]
    config, request = parse([*data, *fitting, *output])
    assert (config.l2, config.seed, config.valid_fraction, config.threshold_metric) == (0.5, 3, 0.2, "f1")
    assert (config.tol, config.batch_size) == (1e-7, 8)
    assert request.columns.features == ["a", "b"] and request.columns.weight == "w" and request.columns.drop_missing
    assert request.query == {"a": 1.0, "b": 2.0} and request.memory_budget == 2 * 10**9 and request.log_every == 5


def test_help_shows_each_default():
    text = " ".join(build_parser(Request, TrainConfig).format_help().split())  # unwrapped
    assert "(default: 1000)" in text and "(default: 0.01)" in text
    assert "(default: artifacts/model.onnx for the tutorial, artifacts/NAME.onnx for --data" in text


# A fresh interpreter where importing torch raises: help and a bad flag must not need it.
WITHOUT_TORCH = (
    BLOCK_TORCH
    + """
from training.__main__ import main
code = main(sys.argv[1:])
"""
)


@pytest.mark.parametrize(("argv", "status"), [(["--help"], 0), (["--epochs", "ten"], 2), (["--target", "y"], 2)])
def test_help_and_flag_errors_need_no_torch(argv, status):
    done = subprocess.run([sys.executable, "-c", WITHOUT_TORCH, *argv], capture_output=True, text=True)
    assert done.returncode == status, done.stderr
    assert "torch is blocked" not in done.stderr
