"""The built-in simulated card processor: Stripe's charge and refund semantics, with a ledger of its own.

Test tokens: ``tok_visa`` succeeds; ``tok_declined`` (card_declined) and ``tok_insufficient_funds``
(insufficient_funds) are declined; ``tok_timeout`` charges the card and then does not answer, the worst
case a real processor can produce. Any other token is declined as ``invalid_token``.

Every charge and refund is one item of the ledger, keyed by its idempotency key and written with a
condition that it is new: the same key never moves money twice, and tests read the ledger to prove it.
A real processor is one adapter away: implement `PaymentProvider` with its client (for Stripe:
``stripe.Charge.create(..., idempotency_key=key)``, find by key through the charge's metadata, and
``stripe.Refund.create(..., idempotency_key=key)``).
"""

from __future__ import annotations

import secrets

from pynamodb.exceptions import PutError

from chalicelib.adapters.dynamodb.base import condition_failed
from chalicelib.adapters.dynamodb.models.payments import ProviderLedgerItem
from chalicelib.domain.clock import Clock, epoch_ms
from chalicelib.domain.payments import Charge, ProviderTimeout

DECLINES = {
    "tok_declined": ("card_declined", "Your card was declined."),
    "tok_insufficient_funds": ("insufficient_funds", "Your card has insufficient funds."),
}


def _charge(item: ProviderLedgerItem) -> Charge:
    return Charge(
        id=item.object_id,
        key=item.key.removeprefix("charge:"),
        amount_cents=int(item.amount_cents),
        currency=item.currency,
        succeeded=bool(item.succeeded),
        decline_code=item.decline_code,
        message=item.message or "",
    )


class SimulatedProvider:
    def __init__(self, clock: Clock):
        self._clock = clock

    def charge(self, key: str, amount_cents: int, currency: str, token: str) -> Charge:
        decline = DECLINES.get(token) or (
            None if token in ("tok_visa", "tok_timeout") else ("invalid_token", "This card token is not valid.")
        )
        item = ProviderLedgerItem(
            f"charge:{key}",
            kind="charge",
            object_id=f"ch_{secrets.token_hex(12)}",
            amount_cents=amount_cents,
            currency=currency,
            succeeded=decline is None,
            decline_code=decline[0] if decline else None,
            message=decline[1] if decline else None,
            created_at_ms=epoch_ms(self._clock.now()),
        )
        try:
            item.save(condition=ProviderLedgerItem.key.does_not_exist())
        except PutError as error:
            if not condition_failed(error):
                raise
            found = self.find_charge(key)  # the same key again: the first outcome, nothing charged twice
            assert found is not None
            return found
        if token == "tok_timeout":
            raise ProviderTimeout(f"no answer for charge {key}")
        return _charge(item)

    def find_charge(self, key: str) -> Charge | None:
        try:
            return _charge(ProviderLedgerItem.get(f"charge:{key}", consistent_read=True))
        except ProviderLedgerItem.DoesNotExist:
            return None

    def refund(self, charge_id: str, key: str, amount_cents: int) -> str:
        item = ProviderLedgerItem(
            f"refund:{key}",
            kind="refund",
            object_id=f"re_{secrets.token_hex(12)}",
            amount_cents=amount_cents,
            currency="",
            succeeded=True,
            charge_id=charge_id,
            created_at_ms=epoch_ms(self._clock.now()),
        )
        try:
            item.save(condition=ProviderLedgerItem.key.does_not_exist())
        except PutError as error:
            if not condition_failed(error):
                raise
            return str(ProviderLedgerItem.get(f"refund:{key}", consistent_read=True).object_id)
        return item.object_id
