"""Create an administrator; promote an existing account only when asked to (idempotent).

    python -m scripts.create_admin --email admin@example.com --name "Cinema Admin"   # asks for the password
    printf '%s\\n' "$PASSWORD" | python -m scripts.create_admin --email ... --password-stdin
    python -m scripts.create_admin --email alice@example.com --promote-existing       # a registered account

The password is never taken from the command line (it would show in ``ps`` and shell history). An email
someone registered already is refused (whoever registered the admin's address first must not become admin):
with ``--promote-existing`` that account gets the password given here, every login it had ends, and then it
becomes an admin. Running it again with the admin's own password changes nothing. Uses the stage's
composition root (``STAGE``, ``TABLE_PREFIX``, ``AWS_ENDPOINT_URL`` ... see chalicelib/settings.py); the local
cloud calls `create_admin`.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from chalicelib.bootstrap import Services, services
from chalicelib.domain.errors import BookingError
from chalicelib.logs import logger


def create_admin(
    email: str, password: str, name: str, using: Services | None = None, *, promote_existing: bool = False
) -> str:
    """The id of the admin with this email, who signs in with this password (`AccountService.create_admin`)."""
    return (using or services()).accounts.create_admin(email, password, name, promote_existing=promote_existing)


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
    parser.add_argument(
        "--promote-existing",
        action="store_true",
        help="make an already registered account the admin: it gets this password and loses its logins",
    )
    args = parser.parse_args(argv)
    try:
        password = _read_password(args.password_stdin)
        user_id = create_admin(args.email, password, args.name, promote_existing=args.promote_existing)
    except BookingError as exc:
        sys.stderr.write(f"{exc.code}: {exc.message} {exc.details or ''}\n")
        return 2
    logger.info("admin ready", extra={"user_id": user_id})
    sys.stdout.write(f"{user_id}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
