"""Create an administrator, or promote an existing account to administrator (idempotent).

    python -m scripts.create_admin --email admin@example.com --name "Cinema Admin"   # asks for the password
    printf '%s\\n' "$PASSWORD" | python -m scripts.create_admin --email ... --password-stdin

The password is never taken from the command line (it would show in ``ps`` and shell history). An existing
account keeps its password and is only promoted. Uses the stage's composition root (``STAGE``,
``TABLE_PREFIX``, ``AWS_ENDPOINT_URL`` ... see chalicelib/settings.py); the local cloud calls `create_admin`.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from chalicelib.bootstrap import Services, services
from chalicelib.domain.errors import BookingError
from chalicelib.logs import logger


def create_admin(email: str, password: str, name: str, using: Services | None = None) -> str:
    """The id of the admin with this email: created with this password, or the existing account promoted."""
    return (using or services()).accounts.create_admin(email, password, name)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("The two passwords differ.")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", default="Administrator")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from the first stdin line")
    args = parser.parse_args(argv)
    try:
        user_id = create_admin(args.email, _read_password(args.password_stdin), args.name)
    except BookingError as exc:
        sys.stderr.write(f"{exc.code}: {exc.message} {exc.details or ''}\n")
        return 2
    logger.info("admin ready", extra={"user_id": user_id})
    sys.stdout.write(f"{user_id}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
