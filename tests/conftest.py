"""Shared paths and helpers for the tests."""

import signal
from pathlib import Path

import pytest

# Tests of Ctrl-C send SIGINT to kt-clean (in this process or in a child). A test runner
# started in the background by a non-interactive shell (`cmd &`, nohup) inherits SIGINT
# ignored, and so would every child: kt-clean rightly leaves an ignored signal alone, and
# those tests would test nothing. Take the default back for this process and its children.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PAGES = Path(__file__).resolve().parent / "pages"
GOLDEN = Path(__file__).resolve().parent / "golden"
PRINT_SEED = SEEDS / "000_565ea5bced93b1ee.txt"
FULLNAV_SEED = SEEDS / "003_67df4e5bb0c6f5bf.txt"
SEED_FILES = (PRINT_SEED, FULLNAV_SEED)


@pytest.fixture(params=SEED_FILES, ids=lambda p: p.stem)
def seed(request: pytest.FixtureRequest) -> Path:
    return request.param


def render_page(page, fmt="text", *, explain=False, **kwargs):
    """A page's article rendered, as `kt-clean extract --format FMT` prints it."""
    import kt_clean

    return kt_clean.render(kt_clean.extract(page, **kwargs), fmt, explain)
