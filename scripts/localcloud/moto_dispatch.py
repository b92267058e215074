"""moto's per-request look at a response class's methods, made once per class (local cloud only, moto pinned).

Every call into moto 5.2.5 runs ``inspect.getmembers`` over its response class (``BaseResponse.call_action``
asks whether the action is one of the class's methods): a twenty-fifth of moto's CPU in the surge burst.
A class's functions do not change while the server runs, so the answer is kept per class (a copy is
handed out, as moto builds a new list each time).
"""

from __future__ import annotations

from functools import cache

from moto.core import responses, utils

from scripts.localcloud.moto_patch import MotoPatch

_ORIGINAL = utils.method_names_from_class


@cache
def _names_of(clazz: type) -> tuple[str, ...]:
    return tuple(_ORIGINAL(clazz))


def method_names_from_class(clazz: object) -> list[str]:
    return list(_names_of(clazz))  # type: ignore[arg-type]


PATCH = MotoPatch((responses, "method_names_from_class", method_names_from_class))  # type: ignore[arg-type]
install, uninstall, installed, cached_method_names = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
