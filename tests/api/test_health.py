"""GET /api/health tells the version and whether storage and queues answer."""


def test_health_reports_version_and_that_dynamodb_and_sqs_answer(api):
    response = api.get("/api/health")

    assert response.status == 200
    assert response.json["status"] == "ok"
    assert response.json["checks"] == {"dynamodb": True, "sqs": True}
    assert response.json["version"]


def test_an_unknown_path_gets_the_error_body_not_the_gateways_own(api):
    response = api.get("/api/no-such-thing")

    assert response.status == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_protected_route_without_a_token_is_401_in_the_error_body(api):
    response = api.get("/api/auth/me")

    assert response.status == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_health_is_503_in_the_error_body_naming_what_does_not_answer(api, app_services):
    sqs = app_services.sqs
    sqs.delete_queue(
        QueueUrl=sqs.get_queue_url(QueueName=f"{app_services.settings.queue_prefix}hold-expiry")["QueueUrl"]
    )

    response = api.get("/api/health")

    assert response.status == 503
    assert response.json["error"]["code"] == "service_unavailable"
    assert response.json["error"]["details"]["checks"] == {"dynamodb": True, "sqs": False}
    assert "sqs" in response.json["error"]["message"]
