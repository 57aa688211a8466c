"""The version, kept here so that start-up does not pay for importlib.metadata."""

__version__ = "0.1.0"
