"""The version, kept here so that start-up does not pay for importlib.metadata.

No version of kt-clean has been released yet: this is the work toward the first release,
0.1.0, so it is a development release of it (PEP 440 ``0.1.0.dev0``, which sorts before
``0.1.0``), and CHANGELOG.md has only ``## [Unreleased]``. Releasing means: set the version
here to ``X.Y.Z``, and rename ``[Unreleased]`` to ``[X.Y.Z] - YYYY-MM-DD`` under a new empty
``[Unreleased]`` (``tests/test_docs.py`` checks the two agree).
"""

__version__ = "0.1.0.dev0"
