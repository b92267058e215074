"""GET /api/health: the version and whether DynamoDB and SQS answer; 503 in the error body when one does not."""

from __future__ import annotations

from chalicelib.api.routing import ApiBlueprint, json_response
from chalicelib.bootstrap import services
from chalicelib.domain.errors import DependencyUnavailable

bp = ApiBlueprint(__name__)


@bp.route("/api/health", methods=["GET"])
def health():
    probe = services().health
    checks = {"dynamodb": probe.dynamodb(), "sqs": probe.sqs()}
    report = {"version": services().settings.version, "checks": checks}
    if not all(checks.values()):
        failing = ", ".join(name for name, ok in checks.items() if not ok)
        raise DependencyUnavailable("service_unavailable", f"Not answering: {failing}.", report)
    return json_response({"status": "ok", **report})
