"""Pages the app serves on the API's own origin: ``GET /seat-reservation-demo.html``, the demo seat map.

The page is one file, `chalicelib/pages/seat-reservation-demo.html` (HTML, CSS and JavaScript; no build step,
nothing loaded from elsewhere), and calls the API with relative URLs, so it works behind any stage prefix.
Its inline script and style run because the Content-Security-Policy names their SHA-256: nothing else can
run on the page, even if a movie title carried markup. ``WS_PUBLIC_URL`` goes into ``<meta name="ws-url">``;
left empty, the page connects to ``ws://<its host>:<its port + 1>`` (the local cloud's layout).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from chalice import Response

from chalicelib.api.routing import ApiBlueprint, Media
from chalicelib.bootstrap import services

bp = ApiBlueprint(__name__)

PAGES = Path(__file__).resolve().parent.parent / "pages"
DEMO_PAGE = "seat-reservation-demo.html"
WS_URL_SLOT = "{{ws_url}}"


@dataclass(frozen=True)
class Page:
    template: str
    script_hashes: tuple[str, ...]
    style_hashes: tuple[str, ...]

    def render(self, ws_url: str | None) -> str:
        return self.template.replace(WS_URL_SLOT, html.escape(ws_url or "", quote=True))

    def content_security_policy(self, ws_url: str | None) -> str:
        """Only this page's own script and style; fetches to this origin; WebSockets to `ws_url` (any when unset)."""
        websocket = _origin(ws_url) if ws_url else "ws: wss:"
        return "; ".join(
            [
                "default-src 'none'",
                "script-src " + " ".join(self.script_hashes),
                "style-src " + " ".join(self.style_hashes),
                f"connect-src 'self' {websocket}",
                "img-src 'self' data:",
                "base-uri 'none'",
                "form-action 'none'",
                "frame-ancestors 'none'",
            ]
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _hashes(template: str, tag: str) -> tuple[str, ...]:
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", template, flags=re.DOTALL)
    return tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii") + "'"
        for block in blocks
    )


@functools.cache
def demo_page() -> Page:
    """Read once per cold start; a template without exactly one WebSocket slot is a packaging bug."""
    template = (PAGES / DEMO_PAGE).read_text(encoding="utf-8")
    if template.count(WS_URL_SLOT) != 1:
        raise RuntimeError(f"{DEMO_PAGE} must contain {WS_URL_SLOT} exactly once")
    return Page(template, _hashes(template, "script"), _hashes(template, "style"))


@bp.route(
    "/seat-reservation-demo.html",
    methods=["GET"],
    summary="The demo seat map: an HTML page on this origin",
    answers={200: Media(("text/html",), {"type": "string"})},
)
def seat_reservation_demo() -> Response:
    page = demo_page()
    ws_url = services().settings.ws_public_url
    return Response(
        body=page.render(ws_url),
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": page.content_security_policy(ws_url),
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
