"""The package version, in one place (read by ``bot.__version__`` and the User-Agents)."""

__version__ = "0.1.0"
