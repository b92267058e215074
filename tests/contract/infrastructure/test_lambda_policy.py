"""The functions may use this stage's tables, indexes and queues and post to WebSocket connections: nothing more."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra_support import PROJECT_DIR, TEMPLATE_FILE

from chalicelib.adapters.dynamodb import tables
from chalicelib.adapters.queues import ALL_QUEUES
from chalicelib.settings import DEV_SIGNING_KEYS, DEV_TICKET_KEYS

CONFIG = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
DEV = CONFIG["stages"]["dev"]
DEV_POLICY = PROJECT_DIR / ".chalice" / DEV["iam_policy_file"]
# Verbs that change a table or queue itself rather than its items or messages.
RECONFIGURING = (
    "Create",
    "DeleteTable",
    "DeleteQueue",
    "UpdateTable",
    "UpdateTimeToLive",
    "Set",
    "Purge",
    "Tag",
    "Untag",
)


@pytest.fixture(scope="module")
def dev_policy() -> dict[str, Any]:
    return json.loads(DEV_POLICY.read_text())


def statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in policy["Statement"] if s["Sid"] == sid)


def test_the_dev_stage_deploys_with_our_policy_file_not_chalices_generated_one():
    assert DEV["autogen_policy"] is False
    assert DEV_POLICY.exists()


def test_the_dev_policy_grants_every_table_of_the_stage_and_its_indexes(dev_policy):
    prefix = DEV["environment_variables"]["TABLE_PREFIX"]
    expected = {f"arn:aws:dynamodb:*:*:table/{prefix}{tables.base_name(m)}" for m in tables.all_models()}

    assert set(statement(dev_policy, "ReadWriteTables")["Resource"]) == expected
    assert set(statement(dev_policy, "QueryIndexes")["Resource"]) == {f"{arn}/index/*" for arn in expected}


def test_the_dev_policy_grants_every_queue_of_the_stage_but_no_dead_letter_queue(dev_policy):
    prefix = DEV["environment_variables"]["QUEUE_PREFIX"]

    resources = statement(dev_policy, "UseQueues")["Resource"]

    assert set(resources) == {f"arn:aws:sqs:*:*:{q.name(prefix)}" for q in ALL_QUEUES}
    assert set(statement(dev_policy, "UseQueues")["Action"]) >= {
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
    }


def test_no_grant_lets_a_function_create_delete_or_reconfigure_a_table_or_queue(dev_policy, resources):
    template_policy = resources["LambdaFunctionsPolicy"]["Properties"]["PolicyDocument"]
    for policy in (dev_policy, template_policy):
        actions = [a for s in policy["Statement"] for a in s["Action"]]
        assert all("*" not in action for action in actions)
        data_actions = [a for a in actions if a.startswith(("dynamodb:", "sqs:"))]
        assert not [a for a in data_actions if a.partition(":")[2].startswith(RECONFIGURING)], actions
        assert all(s["Effect"] == "Allow" and s["Resource"] != "*" for s in policy["Statement"])


def test_the_template_policy_grants_what_the_file_grants_with_exact_arns(dev_policy, resources):
    template_policy = resources["LambdaFunctionsPolicy"]["Properties"]["PolicyDocument"]

    file_grants = {s["Sid"]: (s["Action"], len(s["Resource"])) for s in dev_policy["Statement"]}
    template_grants = {s["Sid"]: (s["Action"], len(s["Resource"])) for s in template_policy["Statement"]}
    assert template_grants == file_grants
    table_resources = statement(template_policy, "ReadWriteTables")["Resource"]
    assert all(set(arn) == {"Fn::GetAtt"} for arn in table_resources)


@pytest.mark.parametrize(
    ("variable", "parameter", "secret", "dev_keys"),
    [
        ("JWT_SIGNING_KEYS", "JwtSigningKeysSecretId", "jwt-signing-keys", DEV_SIGNING_KEYS),
        ("TICKET_SIGNING_KEYS", "TicketSigningKeysSecretId", "ticket-signing-keys", DEV_TICKET_KEYS),
    ],
    ids=["jwt", "ticket"],
)
def test_no_signing_key_is_committed_and_the_functions_read_them_from_secrets_manager(
    template, resources, variable, parameter, secret, dev_keys
):
    committed = TEMPLATE_FILE.read_text() + DEV_POLICY.read_text() + json.dumps(CONFIG)

    assert not [key for key in dev_keys.values() if key in committed]
    assert variable not in json.dumps(CONFIG)
    # The secret docs/deploy.md tells an operator to create, by the name the parameter defaults to.
    assert template["Parameters"][parameter]["Default"] == f"{CONFIG['app_name']}/dev/{secret}"
    for resource in resources.values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables")
        if variables:
            assert variables[variable] == {"Fn::Sub": "{{resolve:secretsmanager:${" + parameter + "}:SecretString}}"}


def test_the_functions_policy_fits_iams_managed_policy_size_limit(dev_policy):
    # Measured as IAM does (no whitespace), with the longest region and a real account id in every ARN.
    resolved = json.dumps(dev_policy, separators=(",", ":")).replace(":*:*:", ":ap-southeast-4:123456789012:")

    assert len(resolved) <= 6144, f"{len(resolved)} characters: split LambdaFunctionsPolicy in infrastructure/iam.py"
