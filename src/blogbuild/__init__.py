"""blogbuild: a static-site generator for math-heavy technical blog archives."""

__version__ = "0.1.0"
