"""Local-cloud changes to moto's internals: installed only on the moto version they were written and tested for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import moto

PINNED_MOTO_VERSION = "5.2.5"


class UnsupportedMotoVersion(RuntimeError):
    pass


def require_pinned_moto() -> None:
    if moto.__version__ != PINNED_MOTO_VERSION:
        raise UnsupportedMotoVersion(
            f"The local cloud patches moto {PINNED_MOTO_VERSION}'s internals, but moto {moto.__version__} is "
            f"installed. Install the pinned version (`.venv/bin/pip install -r requirements-dev.txt`) or re-check "
            f"scripts/localcloud/moto_*.py and their tests against the new moto before changing the pin."
        )


class MotoPatch:
    """Attributes of moto's classes replaced together: install, uninstall, or for the length of a `with`."""

    def __init__(self, *replacements: tuple[type, str, Callable[..., Any]]):
        self._replacements = replacements
        # as the class holds them (a classmethod stays a classmethod when put back)
        self._originals = [(owner, name, _held(owner, name)) for owner, name, _ in replacements]

    def install(self) -> None:
        require_pinned_moto()
        for owner, name, replacement in self._replacements:
            setattr(owner, name, replacement)

    def uninstall(self) -> None:
        for owner, name, original in self._originals:
            setattr(owner, name, original)

    def installed(self) -> bool:
        return all(_held(owner, name) is replacement for owner, name, replacement in self._replacements)

    @contextmanager
    def active(self) -> Iterator[None]:
        was_installed = self.installed()
        self.install()
        try:
            yield
        finally:
            if not was_installed:
                self.uninstall()


def _held(owner: type, name: str) -> Any:
    """The attribute as stored on the class (not bound), or as inherited when the class itself has none."""
    return vars(owner)[name] if name in vars(owner) else getattr(owner, name)
