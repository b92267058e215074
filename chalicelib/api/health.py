"""GET /api/health: the version and whether DynamoDB and SQS answer."""

from __future__ import annotations

from chalicelib.api.routing import ApiBlueprint, json_response
from chalicelib.bootstrap import services

bp = ApiBlueprint(__name__)


@bp.route("/api/health", methods=["GET"])
def health():
    probe = services().health
    checks = {"dynamodb": probe.dynamodb(), "sqs": probe.sqs()}
    healthy = all(checks.values())
    return json_response(
        {"status": "ok" if healthy else "degraded", "version": services().settings.version, "checks": checks},
        status=200 if healthy else 503,
    )
