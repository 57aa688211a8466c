"""``python -m kt_clean.layouts``: rewrite the built-in layouts' cache after editing a rule
file in ``kt_clean/layouts/rules/``."""

from .builtin import write_builtin_cache

if __name__ == "__main__":
    print(f"wrote {write_builtin_cache()}")
