"""Rewrite ``kt_clean/layouts/builtin.json`` after editing a built-in rule file:

    python -m kt_clean._build_layouts

Until then the edited ``*.toml`` file is still used (parsed at start-up, a little slower),
and a test fails to remind you.
"""

from .layouts import BUILTIN_CACHE, builtin_cache

if __name__ == "__main__":
    with open(BUILTIN_CACHE, "w", encoding="utf-8") as out:
        out.write(builtin_cache())
    print(f"wrote {BUILTIN_CACHE}")
