"""Who is asking: the principal every service receives, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chalicelib.domain.errors import Forbidden

Role = Literal["customer", "staff", "admin"]
ROLES: tuple[Role, ...] = ("customer", "staff", "admin")


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role = "customer"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_act_for(self, user_id: str) -> bool:
        return self.is_admin or self.user_id == user_id

    def require_self_or_admin(self, user_id: str) -> None:
        """Services call this again for anything that touches another user's data (the authorizer is not enough)."""
        if not self.may_act_for(user_id):
            raise Forbidden("forbidden", "You can only see and change your own bookings.")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("forbidden", "This needs an administrator.")
