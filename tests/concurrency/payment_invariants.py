"""What must hold after any payment race, read from the tables and the provider's ledger themselves."""

from __future__ import annotations

from collections import Counter, defaultdict

from chalicelib.adapters.dynamodb.models.booking import ReservationItem, SeatItem
from chalicelib.adapters.dynamodb.models.payments import PaymentItem, ProviderLedgerItem, TicketItem


def check_payment_invariants(screening_id: str) -> list[str]:
    """Problems found: a seat sold twice, a paid order without exactly its tickets, money moved without a sale, a
    refund given back other than once or not counted on its payment exactly once."""
    problems: list[str] = []
    seats = {item.seat_id: item for item in SeatItem.query(screening_id, consistent_read=True)}
    reservations = {
        item.id: item
        for item in ReservationItem.scan(ReservationItem.screening_id == screening_id, consistent_read=True)
    }
    tickets = [t for t in TicketItem.scan(TicketItem.screening_id == screening_id, consistent_read=True)]
    payments = [p for p in PaymentItem.scan(PaymentItem.screening_id == screening_id, consistent_read=True)]
    ledger = list(ProviderLedgerItem.scan(consistent_read=True))

    live_tickets = Counter(t.seat_id for t in tickets if t.status != "refunded")
    problems += [f"seat {seat} has {n} live tickets" for seat, n in live_tickets.items() if n > 1]
    for seat_id, item in seats.items():
        if item.status == "sold":
            owner = reservations.get(item.hold_id)
            if owner is None or owner.status != "paid":
                problems.append(f"seat {seat_id} is sold to {item.hold_id}, which is not a paid reservation")
            if live_tickets[seat_id] != 1:
                problems.append(f"sold seat {seat_id} has {live_tickets[seat_id]} live tickets")
        elif live_tickets[seat_id]:
            problems.append(f"seat {seat_id} is {item.status} but has a live ticket")

    tickets_of = defaultdict(list)
    for ticket in tickets:
        tickets_of[ticket.reservation_id].append(ticket.seat_id)
    succeeded = [p for p in payments if p.status == "succeeded"]
    succeeded_for = Counter(p.reservation_id for p in succeeded)
    for rid, reservation in reservations.items():
        if reservation.status == "paid":
            if sorted(tickets_of[rid]) != sorted(reservation.seat_ids):
                problems.append(
                    f"paid {rid} has tickets {sorted(tickets_of[rid])}, seats {sorted(reservation.seat_ids)}"
                )
            if succeeded_for[rid] != 1:
                problems.append(f"paid {rid} has {succeeded_for[rid]} succeeded payments")
        elif tickets_of[rid]:
            problems.append(f"{rid} is {reservation.status} but has tickets")

    ours = {f"charge:{p.id}" for p in payments}
    charges = [i for i in ledger if i.kind == "charge" and i.succeeded and i.key in ours]
    refunded_charges = {i.charge_id for i in ledger if i.kind == "refund" and i.key.endswith(":hold_expired")}
    kept = [c for c in charges if c.object_id not in refunded_charges]
    if len(kept) != len(succeeded):
        problems.append(f"{len(kept)} charges kept by the provider, {len(succeeded)} succeeded payments")
    if sum(int(c.amount_cents) for c in kept) != sum(int(p.amount_cents) for p in succeeded):
        problems.append("the money charged differs from the succeeded payments' total")

    refunded_prices: Counter[str] = Counter()
    for ticket in tickets:
        if ticket.status == "refunded":
            refunded_prices[ticket.payment_id] += int(ticket.price_cents)
            given_back = [i for i in ledger if i.key == f"refund:refund:{ticket.id}"]
            if [int(i.amount_cents) for i in given_back] != [int(ticket.price_cents)]:
                problems.append(f"refunded ticket {ticket.id} was given back {[i.amount_cents for i in given_back]}")
    for payment in succeeded:
        if int(payment.refunded_cents or 0) != refunded_prices[payment.id]:
            problems.append(
                f"payment {payment.id} shows {payment.refunded_cents} refunded, its refunded tickets cost "
                f"{refunded_prices[payment.id]}"
            )
    return problems
