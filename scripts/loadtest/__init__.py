"""`make loadtest`: users who compete for seats, against the local cloud or any base URL (docs/performance.md).

    .venv/bin/python -m scripts.loadtest [--scenario surge|contention|mixed|all] [--requests 10000]
                                         [--base-url URL --aws-endpoint URL] [--out out/loadtest]

Modules: `client` (HTTP/WebSocket through aiohttp, timed), `setup` (admin, screenings, users), `scenarios`,
`invariants` (checked from the API and the tables), `report` (JSON, Markdown, PNG), `progress` (the live line).
"""
