"""Code that starts a fresh interpreter in which importing torch raises: the serving path, the site
builder, scoring and the CLI's help must run there. Tests append what to run and pass it to
``python -c``."""

BLOCK_TORCH = """
import importlib.abc, sys

class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked: this path must not import it")

sys.meta_path.insert(0, NoTorch())
"""
