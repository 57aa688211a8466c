"""``python -m kt_clean``: the command line, as ``kt-clean`` (for a venv without its
scripts on ``PATH``, or to pick the interpreter: ``python3.12 -m kt_clean extract ...``)."""

from kt_clean.cli import main

if __name__ == "__main__":
    main()
