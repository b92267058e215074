"""GET /api/health: the version and whether DynamoDB and SQS answer; 503 in the error body when one does not."""

from __future__ import annotations

from typing import Literal

from chalicelib.api.responses import ResponseModel
from chalicelib.api.routing import ApiBlueprint
from chalicelib.bootstrap import services
from chalicelib.domain.errors import DependencyUnavailable

bp = ApiBlueprint(__name__)


class HealthChecks(ResponseModel):
    dynamodb: bool
    sqs: bool


class Health(ResponseModel):
    """200 when every check passes; else 503 ``service_unavailable`` in the error body, the checks in its details."""

    status: Literal["ok"]
    version: str
    checks: HealthChecks


@bp.route(
    "/api/health",
    methods=["GET"],
    summary="The version, and whether DynamoDB and SQS answer",
    answers={200: Health},
    errors={503: ("service_unavailable",)},
)
def health() -> Health:
    probe = services().health
    checks = HealthChecks(dynamodb=probe.dynamodb(), sqs=probe.sqs())
    version = services().settings.version
    if not all(dict(checks).values()):
        failing = ", ".join(name for name, ok in checks if not ok)
        raise DependencyUnavailable(
            "service_unavailable", f"Not answering: {failing}.", {"version": version, "checks": checks.wire()}
        )
    return Health(status="ok", version=version, checks=checks)
