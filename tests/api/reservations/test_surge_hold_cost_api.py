"""What the automatic switch costs a direct hold in storage calls (docs/surge.md, "What a direct hold costs").

The hold itself is one transaction. The switch adds, per instance and screening, one read of the mode (the
admin's flag and the line, one BatchGetItem) and one write of the attempt counter, each at most once a second.
"""

from __future__ import annotations

import botocore.client
import pytest

SEATS = ["A2", "A3", "A4", "B1", "B2", "B3"]


@pytest.fixture
def storage_calls(monkeypatch) -> list[tuple[str, tuple[str, ...]]]:
    """Every AWS call the app makes from here on: (operation, tables it names)."""
    calls: list[tuple[str, tuple[str, ...]]] = []
    real = botocore.client.BaseClient._make_api_call

    def counted(client, operation, params):
        tables = params.get("TableName") or params.get("RequestItems") or ()
        calls.append((operation, tuple(sorted([tables] if isinstance(tables, str) else tables))))
        return real(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    return calls


def hold(api, token_for, screening, n: int) -> None:
    answer = api.post(
        "/api/seat-reservations",
        {"screening_id": screening["id"], "seat_ids": [SEATS[n]]},
        token=token_for(f"user-{n}", "customer"),
    )
    assert answer.status == 201, answer.json


def test_holds_within_the_same_second_cost_only_their_transaction(api, token_for, screening, storage_calls):
    hold(api, token_for, screening, 0)  # reads the mode for this second
    storage_calls.clear()

    for n in range(1, 4):
        hold(api, token_for, screening, n)

    assert [operation for operation, _ in storage_calls] == ["TransactWriteItems"] * 3


def test_a_calm_hold_reads_the_mode_in_one_call_and_counts_the_last_second(
    api, token_for, screening, storage_calls, clock
):
    hold(api, token_for, screening, 0)
    clock.advance(2)
    storage_calls.clear()

    hold(api, token_for, screening, 1)

    assert [operation for operation, _ in storage_calls] == ["BatchGetItem", "UpdateItem", "TransactWriteItems"]
    read_tables = storage_calls[0][1]
    assert [table.removeprefix("test-") for table in read_tables] == ["screenings", "surge_lines"]
