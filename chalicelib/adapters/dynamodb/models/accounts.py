"""Tables of the accounts room: users, the email claims that keep addresses unique, refresh tokens, login counters.

users           hash id                 the account; written together with its claim in one transaction
user_emails     hash email              one item per address: ``email_is_unclaimed`` makes uniqueness a DB fact
token_families  hash family_id          one per login; revoked as a whole on logout or reuse; GSI by_user
refresh_tokens  hash token_hash         SHA-256 of the token; spent once (``token_is_unspent``)
login_failures  hash counter_key        atomic counters per email / source IP and fixed window

TTL (``purge_at``) only collects garbage: expiry is always judged from ``expires_at_ms`` on read.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.adapters.dynamodb.base import CinemaModel


class UserItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "users"

    id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute(default="customer")
    password_hash = UnicodeAttribute()
    created_at_ms = NumberAttribute()


class EmailClaimItem(CinemaModel):
    """Exists while an account owns the address; the login lookup reads it (strongly consistent, unlike a GSI)."""

    class Meta(CinemaModel.Meta):
        table_name = "user_emails"

    email = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class FamiliesByUserIndex(GlobalSecondaryIndex):
    """A user's logins, to end them all at once (an account promoted to admin)."""

    class Meta:
        index_name = "by_user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)


class TokenFamilyItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "token_families"

    family_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    by_user = FamiliesByUserIndex()
    created_at_ms = NumberAttribute()
    rotated_at_ms = NumberAttribute(null=True)
    revoked_at_ms = NumberAttribute(null=True)
    revoked_reason = UnicodeAttribute(null=True)  # logout | reuse | user_gone | promoted
    purge_at = TTLAttribute(null=True)  # pushed past the newest token's expiry on every rotation


class RefreshTokenItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "refresh_tokens"

    token_hash = UnicodeAttribute(hash_key=True)
    family_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    issued_at_ms = NumberAttribute()
    expires_at_ms = NumberAttribute()
    spent_at_ms = NumberAttribute(null=True)
    purge_at = TTLAttribute(null=True)


class LoginFailureItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "login_failures"

    counter_key = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute(default=0)
    purge_at = TTLAttribute(null=True)


MODELS = [UserItem, EmailClaimItem, TokenFamilyItem, RefreshTokenItem, LoginFailureItem]
