"""``GET /seat-reservation-demo.html``: a public HTML page whose only script is its own and whose WebSocket URL
comes from ``WS_PUBLIC_URL`` (the browser test in tests/e2e/browser drives the page itself)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re

import pytest

PAGE = "/seat-reservation-demo.html"


def ws_meta(html: str) -> str:
    match = re.search(r'<meta name="ws-url" content="([^"]*)">', html)
    assert match, "the page has no ws-url meta"
    return match.group(1)


def csp_directives(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def test_the_demo_page_is_public_html(api):
    answer = api.get(PAGE)

    assert answer.status == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["x-content-type-options"] == "nosniff"
    html = answer.body.decode("utf-8")
    assert html.startswith("<!doctype html>")
    assert "{{ws_url}}" not in html


def test_without_ws_public_url_the_meta_is_empty_and_the_page_may_open_any_websocket(api):
    answer = api.get(PAGE)

    assert ws_meta(answer.body.decode()) == ""
    assert csp_directives(answer.headers["content-security-policy"])["connect-src"] == ["'self'", "ws:", "wss:"]


def test_ws_public_url_fills_the_meta_escaped_and_is_the_only_websocket_origin_allowed(api, app_services):
    app_services.settings = dataclasses.replace(
        app_services.settings, ws_public_url='wss://ws.example.com/api?a=1&b="2"'
    )

    answer = api.get(PAGE)

    assert ws_meta(answer.body.decode()) == "wss://ws.example.com/api?a=1&amp;b=&quot;2&quot;"
    assert csp_directives(answer.headers["content-security-policy"])["connect-src"] == [
        "'self'",
        "wss://ws.example.com",
    ]


@pytest.mark.parametrize("tag, directive", [("script", "script-src"), ("style", "style-src")])
def test_only_the_pages_own_inline_script_and_style_may_run(api, tag, directive):
    answer = api.get(PAGE)

    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", answer.body.decode("utf-8"), flags=re.DOTALL)
    expected = [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'" for block in blocks
    ]
    policy = csp_directives(answer.headers["content-security-policy"])
    assert len(blocks) == 1
    assert policy[directive] == expected
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_the_page_loads_nothing_from_another_origin(api):
    html = api.get(PAGE).body.decode("utf-8")

    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
