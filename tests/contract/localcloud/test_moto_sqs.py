"""The local cloud's SQS index answers exactly as stock moto does, and its cost does not grow with the queue.

Every scenario runs twice on a clock moved by hand and moto's seeded random ids, once on stock moto and
once with `moto_sqs` installed, and every answer (messages, receipt handles, counts, errors) must be equal.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.moto_api._internal import mock_random
from moto.sqs import models

from scripts.localcloud import moto_sqs
from tests.contract.localcloud.work import python_calls

START = 1_800_000_000.0


class HandClock:
    """moto's SQS clock, moved only by `tick`."""

    def __init__(self) -> None:
        self.now = START

    def unix_time(self, _dt: Any = None) -> float:
        return self.now

    def unix_time_millis(self, _dt: Any = None) -> float:
        return self.now * 1000

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def stock_moto():
    moto_sqs.uninstall()
    yield
    moto_sqs.uninstall()


@contextmanager
def sqs_on(clock: HandClock, monkeypatch) -> Iterator[Any]:
    with monkeypatch.context() as patched:
        patched.setattr(models, "unix_time", clock.unix_time)
        patched.setattr(models, "unix_time_millis", clock.unix_time_millis)
        with mock_aws():
            client = boto3.client("sqs", region_name="us-east-1")
            try:
                yield client
            finally:
                # The suite may already run inside one moto, which a nested mock_aws does not reset.
                for url in client.list_queues().get("QueueUrls", []):
                    client.delete_queue(QueueUrl=url)


def make_queues(client) -> dict[str, str]:
    def create(name: str, **attributes: str) -> str:
        return client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]

    def arn(url: str) -> str:
        return client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    dlq = create("plain-dlq")
    fifo_dlq = create("groups-dlq.fifo", FifoQueue="true")
    redrive = '{{"deadLetterTargetArn": "{}", "maxReceiveCount": "2"}}'
    return {
        "plain": create("plain", VisibilityTimeout="30", RedrivePolicy=redrive.format(arn(dlq))),
        "plain-dlq": dlq,
        "groups": create("groups.fifo", FifoQueue="true", RedrivePolicy=redrive.format(arn(fifo_dlq))),
        "groups-dlq": fifo_dlq,
        "content": create("content.fifo", FifoQueue="true", ContentBasedDeduplication="true"),
    }


def answer(operation: Callable[..., dict], **request: Any) -> Any:
    """What boto3 returned (without its request metadata), or the error code and message."""
    try:
        result = operation(**request)
    except ClientError as error:
        return ("error", error.response["Error"]["Code"], error.response["Error"]["Message"])
    result.pop("ResponseMetadata", None)
    return result


def run(script: Callable[[Any, dict, HandClock, list], None], monkeypatch, *, flat: bool) -> list:
    """The answers of `script(client, queues, clock, answers)` on stock moto, or with the index installed."""
    clock, answers = HandClock(), []
    mock_random.seed(20260)
    with sqs_on(clock, monkeypatch) as client:
        queues = make_queues(client)
        if flat:
            with moto_sqs.flat_sqs():
                script(client, queues, clock, answers)
        else:
            script(client, queues, clock, answers)
        for url in queues.values():
            answers.append(answer(client.get_queue_attributes, QueueUrl=url, AttributeNames=["All"]))
    return answers


def same_as_stock(script, monkeypatch) -> list:
    stock = run(script, monkeypatch, flat=False)
    flat = run(script, monkeypatch, flat=True)
    assert flat == stock
    return stock


def receive(client, url: str, answers: list, *, count: int = 10, visibility: int | None = None) -> list[str]:
    extra = {} if visibility is None else {"VisibilityTimeout": visibility}
    got = answer(
        lambda: client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=count, MessageSystemAttributeNames=["All"], **extra
        )
    )
    answers.append(got)
    return [m["ReceiptHandle"] for m in got.get("Messages", [])] if isinstance(got, dict) else []


# --- named behaviours ---------------------------------------------------------------------------------


def test_delayed_messages_are_counted_as_delayed_and_received_only_when_due(monkeypatch):
    def script(client, queues, clock, answers):
        for n, delay in enumerate((0, 30, 600, 900)):
            answers.append(
                answer(client.send_message, QueueUrl=queues["plain"], MessageBody=f"m{n}", DelaySeconds=delay)
            )
        for seconds in (0, 29, 2, 600):
            clock.tick(seconds)
            answers.append(answer(client.get_queue_attributes, QueueUrl=queues["plain"], AttributeNames=["All"]))
            receive(client, queues["plain"], answers)

    answers = same_as_stock(script, monkeypatch)
    first_attributes = answers[4]["Attributes"]
    assert (
        first_attributes["ApproximateNumberOfMessages"],
        first_attributes["ApproximateNumberOfMessagesDelayed"],
    ) == (
        "1",
        "3",
    )


def test_a_fifo_group_waits_while_one_of_its_messages_is_pending(monkeypatch):
    def script(client, queues, clock, answers):
        url = queues["groups"]
        for n in range(6):
            group = "screening-a" if n % 3 else "screening-b"
            answers.append(
                answer(
                    client.send_message,
                    QueueUrl=url,
                    MessageBody=f"m{n}",
                    MessageGroupId=group,
                    MessageDeduplicationId=f"d{n}",
                )
            )
        first = receive(client, url, answers, count=2)
        receive(client, url, answers)  # both groups pending: nothing
        client.delete_message(QueueUrl=url, ReceiptHandle=first[0])
        receive(client, url, answers)  # screening-b free again
        clock.tick(31)  # the rest timed out: received again, in order
        receive(client, url, answers)

    answers = same_as_stock(script, monkeypatch)
    assert [m["Body"] for m in answers[6]["Messages"]] == ["m0", "m1"]
    assert "Messages" not in answers[7]


def test_a_fifo_deduplication_id_is_refused_again_for_five_minutes_while_its_message_is_in_the_queue(monkeypatch):
    def script(client, queues, clock, answers):
        for seconds in (0, 10, 290, 1):
            clock.tick(seconds)
            answers.append(
                answer(
                    client.send_message,
                    QueueUrl=queues["groups"],
                    MessageBody="b",
                    MessageGroupId="g",
                    MessageDeduplicationId="same",
                )
            )
            answers.append(
                answer(client.send_message, QueueUrl=queues["content"], MessageBody="same body", MessageGroupId="g")
            )
        receive(client, queues["groups"], answers)
        receive(client, queues["content"], answers)

    same_as_stock(script, monkeypatch)


def test_messages_received_too_often_move_to_the_dead_letter_queue_in_order(monkeypatch):
    def script(client, queues, clock, answers):
        for n in range(4):
            answers.append(answer(client.send_message, QueueUrl=queues["plain"], MessageBody=f"m{n}"))
        for _ in range(3):
            receive(client, queues["plain"], answers, count=3, visibility=5)
            clock.tick(6)
        receive(client, queues["plain-dlq"], answers)

    same_as_stock(script, monkeypatch)


def test_visibility_changes_and_deletes_by_old_and_new_receipt_handles(monkeypatch):
    def script(client, queues, clock, answers):
        url = queues["plain"]
        for n in range(3):
            client.send_message(QueueUrl=url, MessageBody=f"m{n}")
        old = receive(client, url, answers, visibility=10)
        answers.append(
            answer(client.change_message_visibility, QueueUrl=url, ReceiptHandle=old[0], VisibilityTimeout=0)
        )
        answers.append(
            answer(
                lambda: client.change_message_visibility(QueueUrl=url, ReceiptHandle=old[1], VisibilityTimeout=43201)
            )
        )
        clock.tick(1)
        new = receive(client, url, answers)
        answers.append(answer(client.delete_message, QueueUrl=url, ReceiptHandle=old[0]))  # old handle of m0
        answers.append(answer(client.delete_message, QueueUrl=url, ReceiptHandle=new[0]))  # deleted already
        answers.append(answer(client.delete_message, QueueUrl=url, ReceiptHandle="not-a-handle"))
        answers.append(
            answer(client.change_message_visibility, QueueUrl=url, ReceiptHandle=old[0], VisibilityTimeout=5)
        )
        client.purge_queue(QueueUrl=url)
        client.send_message(QueueUrl=url, MessageBody="after purge")
        receive(client, url, answers)

    same_as_stock(script, monkeypatch)


def test_a_pending_message_that_shows_again_unblocks_its_group_where_moto_meets_it(monkeypatch):
    """moto forgets a pending message only when its walk reaches it, and blocks the groups it served before."""

    def script(client, queues, clock, answers):
        url = queues["groups"]
        sends = [("a", 0), ("b", 1), ("a", 2), ("c", 3), ("b", 4), ("c", 5), ("a", 6)]
        for group, n in sends:
            client.send_message(
                QueueUrl=url, MessageBody=f"{group}{n}", MessageGroupId=group, MessageDeduplicationId=str(n)
            )
        receive(client, url, answers, count=1, visibility=5)  # a0 pending, short timeout
        receive(client, url, answers, count=1, visibility=60)  # b1 pending
        clock.tick(6)  # a0 visible again, still pending in moto's eyes
        receive(client, url, answers, count=3, visibility=60)
        receive(client, url, answers, visibility=0)
        receive(client, url, answers, visibility=0)

    same_as_stock(script, monkeypatch)


def test_after_forgetting_a_pending_message_moto_blocks_the_groups_it_just_served(monkeypatch):
    def script(client, queues, clock, answers):
        url = queues["groups"]
        for n, group in enumerate("ccac"):
            client.send_message(
                QueueUrl=url, MessageBody=f"{group}{n}", MessageGroupId=group, MessageDeduplicationId=str(n)
            )
        first = receive(client, url, answers, count=3, visibility=5)  # c0, c1, a2 pending
        client.delete_message(QueueUrl=url, ReceiptHandle=first[0])
        clock.tick(6)  # c1 and a2 visible again, still pending
        receive(client, url, answers, visibility=60)

    answers = same_as_stock(script, monkeypatch)
    assert [m["Body"] for m in answers[1]["Messages"]] == ["c1", "a2"]  # not c3: group c was served before a2


def test_messages_past_their_retention_stop_the_receive(monkeypatch):
    def script(client, queues, clock, answers):
        client.set_queue_attributes(QueueUrl=queues["plain"], Attributes={"MessageRetentionPeriod": "60"})
        client.send_message(QueueUrl=queues["plain"], MessageBody="old")
        clock.tick(61)
        client.send_message(QueueUrl=queues["plain"], MessageBody="new")
        receive(client, queues["plain"], answers)
        receive(client, queues["plain"], answers)

    same_as_stock(script, monkeypatch)


# --- many random calls --------------------------------------------------------------------------------


def random_script(seed: int, steps: int = 250):
    def script(client, queues, clock, answers):
        rng = random.Random(seed)
        handles: dict[str, list[str]] = {name: [] for name in queues}
        for step in range(steps):
            name = rng.choice(["plain", "plain", "groups", "groups", "content", "plain-dlq", "groups-dlq"])
            url, fifo = queues[name], name in ("groups", "content", "groups-dlq")
            action = rng.choices(
                ["send", "batch", "receive", "delete", "visibility", "tick", "count"], [5, 1, 5, 3, 1, 2, 1]
            )[0]
            if action in ("send", "batch"):
                entries = []
                for n in range(1 if action == "send" else rng.randint(1, 4)):
                    entry: dict[str, Any] = {"Id": f"e{n}", "MessageBody": f"body-{rng.randint(0, 30)}"}
                    if fifo:
                        entry["MessageGroupId"] = rng.choice(["g1", "g2", "g3", "g4"])
                        if name != "content" or rng.random() < 0.3:
                            entry["MessageDeduplicationId"] = f"d{rng.randint(0, 40)}"
                    else:
                        entry["DelaySeconds"] = rng.choice([0, 0, 0, 5, 40])
                    entries.append(entry)
                if action == "send":
                    entry = {key: value for key, value in entries[0].items() if key != "Id"}
                    answers.append(answer(client.send_message, QueueUrl=url, **entry))
                else:
                    answers.append(answer(client.send_message_batch, QueueUrl=url, Entries=entries))
            elif action == "receive":
                got = receive(client, url, answers, count=rng.randint(1, 10), visibility=rng.choice([None, 0, 3, 20]))
                handles[name] += got
            elif action in ("delete", "visibility") and handles[name]:
                handle = rng.choice(handles[name])
                if action == "delete":
                    answers.append(answer(client.delete_message, QueueUrl=url, ReceiptHandle=handle))
                else:
                    timeout = rng.choice([0, 2, 30])
                    answers.append(
                        answer(
                            client.change_message_visibility,
                            QueueUrl=url,
                            ReceiptHandle=handle,
                            VisibilityTimeout=timeout,
                        )
                    )
            elif action == "tick":
                clock.tick(rng.choice([0.5, 1, 4, 25, 61]))
            elif action == "count":
                answers.append(answer(client.get_queue_attributes, QueueUrl=url, AttributeNames=["All"]))
            if step == steps // 2 and rng.random() < 0.5:
                client.purge_queue(QueueUrl=queues["plain"])

    return script


@pytest.mark.parametrize("seed", range(12))
def test_random_calls_answer_exactly_as_stock_moto(seed, monkeypatch):
    answers = same_as_stock(random_script(seed), monkeypatch)
    received = sum(len(a.get("Messages", [])) for a in answers if isinstance(a, dict))
    assert received > 20  # the scenario does receive: it is not comparing two empty queues


# --- cost that does not grow with the queue -------------------------------------------------------------


def hold_path_calls(client, url: str, fifo_url: str, serial: int) -> dict[str, int]:
    """The calls the hold path and its consumers make, each counted once the queues hold their backlog."""
    sent = {}
    sent["send delayed"] = python_calls(lambda: client.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=900))
    sent["receive none due"] = python_calls(lambda: client.receive_message(QueueUrl=url, MaxNumberOfMessages=10))
    sent["attributes"] = python_calls(lambda: client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]))
    sent["fifo send"] = python_calls(
        lambda: client.send_message(
            QueueUrl=fifo_url, MessageBody="x", MessageGroupId="hot", MessageDeduplicationId=f"probe-{serial}"
        )
    )
    got: dict = {}
    sent["fifo receive"] = python_calls(
        lambda: got.update(client.receive_message(QueueUrl=fifo_url, MaxNumberOfMessages=10))
    )
    entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got["Messages"])]
    sent["fifo delete batch"] = python_calls(lambda: client.delete_message_batch(QueueUrl=fifo_url, Entries=entries))
    return sent


def backlog(client, url: str, fifo_url: str, count: int, start: int) -> None:
    for first in range(start, start + count, 10):
        client.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "MessageBody": "hold", "DelaySeconds": 900} for n in range(10)
        ])  # fmt: skip
        client.send_message_batch(QueueUrl=fifo_url, Entries=[
            {"Id": str(n), "MessageBody": "burst", "MessageGroupId": "hot" if n % 2 else f"s{first % 7}",
             "MessageDeduplicationId": f"b{first + n}"}
            for n in range(10)
        ])  # fmt: skip


def test_each_call_costs_the_same_with_thousands_of_messages_in_the_queue(monkeypatch):
    clock = HandClock()
    with sqs_on(clock, monkeypatch) as client, moto_sqs.flat_sqs():
        url = client.create_queue(QueueName="holds")["QueueUrl"]
        fifo_url = client.create_queue(QueueName="surge.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        backlog(client, url, fifo_url, 100, 0)
        hold_path_calls(client, url, fifo_url, 0)  # warm caches
        small = hold_path_calls(client, url, fifo_url, 1)
        backlog(client, url, fifo_url, 3000, 100)
        large = hold_path_calls(client, url, fifo_url, 2)

    # stock moto: each of these grows with the backlog (it walks every message); here they stay within noise
    grown = {name: (small[name], large[name]) for name in small if large[name] > small[name] * 1.1 + 30}
    assert not grown
