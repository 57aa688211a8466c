"""Shared paths and helpers for the tests."""

from pathlib import Path

import pytest

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
