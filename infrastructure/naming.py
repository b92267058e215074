"""CloudFormation logical ids and the stage-prefixed physical names, written as ``Fn::Sub`` strings."""

from __future__ import annotations

import re

TABLE_PREFIX_PARAM = "TablePrefix"
QUEUE_PREFIX_PARAM = "QueuePrefix"
DELETION_PROTECTION_PARAM = "TableDeletionProtection"


def camel(name: str) -> str:
    """``"user_emails"`` -> ``"UserEmails"``, ``"hold-expiry"`` -> ``"HoldExpiry"``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def sub(template: str) -> dict[str, str]:
    return {"Fn::Sub": template}


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def arn_of(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def placeholder(parameter: str) -> str:
    """The text ``${Parameter}`` that ``Fn::Sub`` replaces with the parameter's value."""
    return "${" + parameter + "}"
