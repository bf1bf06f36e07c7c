"""The example models shipped in ``artifacts/``, each rebuilt from data in ``data/`` by one command.

``python -m training.examples`` rebuilds them all; ``python -m training.examples --list`` prints
the one command for each (the README shows the same commands).
"""

import sys
from pathlib import Path

from training.__main__ import main as train

PROJECT = Path(__file__).resolve().parent.parent

EXAMPLES: dict[str, list[str]] = {
    # the tutorial's program, as it wrote it: SGD, 1000 epochs, x = [1, 2, 3, 4], y = [0, 1, 1, 0]
    "model.onnx": [],
    # binary, four features, unpenalized: standard errors, p-values, a threshold chosen on validation rows
    "cancer.onnx": [
        "--data",
        "data/breast_cancer.csv",
        "--target",
        "diagnosis",
        "--features",
        "mean_radius,mean_texture,mean_smoothness,mean_concave_points",
        "--valid-fraction",
        "0.25",
        "--choose-threshold",
        "balanced_accuracy",
    ],
    # multinomial, four features, ridge (setosa is separable: the unpenalized estimate does not exist)
    "iris.onnx": ["--data", "data/iris.csv", "--target", "species", "--l2", "0.01", "--valid-fraction", "0.2"],
    # multinomial on two features: the page draws its decision map
    "petals.onnx": [
        "--data",
        "data/iris.csv",
        "--target",
        "species",
        "--features",
        "petal_length,petal_width",
        "--l2",
        "0.01",
        "--valid-fraction",
        "0.2",
    ],
    # binary with a text feature (student: No/Yes), unpenalized: ISLR's Table 4.3 (default ~ balance + income + student)
    "default.onnx": ["--data", "data/default.csv", "--target", "default"],
    # binary with two three-level text features (treatment coding, a likelihood-ratio test for each as a whole)
    "penguins.onnx": [
        "--data",
        "data/penguins.csv",
        "--target",
        "sex",
        "--features",
        "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g",
        "--drop-missing",
    ],
    # a formula: a student x balance interaction and a B-spline of income, served from the three raw columns
    "default_formula.onnx": [
        "--data",
        "data/default.csv",
        "--formula",
        "default ~ student * balance + bs(income, df=4)",
    ],
}


def arguments(name: str, root: Path = PROJECT, out: Path | None = None) -> list[str]:
    """The command-line arguments that rebuild example ``name``, with paths under ``root``."""
    args = [str(root / a) if a.startswith("data/") else a for a in EXAMPLES[name]]
    return [*args, "--out", str(out or root / "artifacts" / name)]


def command(name: str) -> str:
    """The documented command, run from the project's root folder."""
    shown = [f'"{a}"' if " " in a else a for a in [*EXAMPLES[name], "--out", f"artifacts/{name}"]]
    return " ".join(["python -m training", *shown])


def main(argv: list[str]) -> int:
    if argv == ["--list"]:
        print("\n".join(command(name) for name in EXAMPLES))
        return 0
    for name in EXAMPLES:
        print(f"$ {command(name)}")
        status = train(arguments(name))
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
