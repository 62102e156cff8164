"""Locate the shipped definitions and default data, in a wheel or in a source checkout."""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE_DIR / "_bundled"
_SOURCE_ROOT = _PACKAGE_DIR.parents[1]


def resource_dir(name: str) -> Path:
    """Return the shipped `sql`, `schemas`, `targets` or `data` directory."""
    for base in (_BUNDLED, _SOURCE_ROOT):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped directory {name!r} not found in {_BUNDLED} or {_SOURCE_ROOT}")
