"""Composition root: builds clients and adapters once per cold start; tests swap the whole thing.

Each service is a `cached_property`, so a Lambda that only serves availability never builds the
password hasher, and nothing is built at import (``chalice package`` imports the app with no AWS).
"""

from __future__ import annotations

from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.domain.clock import Clock, SystemClock
from chalicelib.settings import Settings, get_settings

if TYPE_CHECKING:  # the imports below stay lazy at run time; the annotations let mypy check every wiring
    from chalicelib.adapters.dynamodb.booking import DynamoSeatInventory
    from chalicelib.adapters.dynamodb.payments import DynamoSales
    from chalicelib.adapters.events import LoggedEvents
    from chalicelib.adapters.health import AwsHealth
    from chalicelib.adapters.idempotency import PowertoolsOnce
    from chalicelib.adapters.passwords import Argon2PasswordHasher
    from chalicelib.adapters.payment_provider import SimulatedProvider
    from chalicelib.adapters.websocket import ApiGatewayNotifier
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.booking import BookingService
    from chalicelib.services.catalog import Catalog
    from chalicelib.services.payments import PaymentService
    from chalicelib.services.realtime import Realtime
    from chalicelib.services.surge import SurgeService
    from chalicelib.services.tickets import TicketService, TicketSigner
    from chalicelib.services.tokens import AccessTokens


class Services:
    def __init__(self, settings: Settings, clock: Clock | None = None):
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        from chalicelib.adapters.dynamodb import tables
        from chalicelib.logs import logger

        tables.configure(settings)
        logger.setLevel(settings.log_level)

    @cached_property
    def tokens(self) -> AccessTokens:
        from chalicelib.services.tokens import AccessTokens

        return AccessTokens(self.settings, self.clock)

    @cached_property
    def health(self) -> AwsHealth:
        from chalicelib.adapters.health import AwsHealth

        return AwsHealth(self.settings, aws_client)

    # --- services: one property each, added by the room that owns it ---

    @cached_property
    def sqs(self) -> Any:
        return aws_client("sqs", self.settings.region, self.settings.aws_endpoint_url)

    @cached_property
    def booking_events(self) -> LoggedEvents:
        from chalicelib.adapters.events import LoggedEvents

        return LoggedEvents()

    @cached_property
    def seat_inventory(self) -> DynamoSeatInventory:
        """The booking room's seats: the booking service holds them, the catalog creates and counts them."""
        from chalicelib.adapters.dynamodb.booking import DynamoSeatInventory

        return DynamoSeatInventory(cooldown_seconds=self.settings.hold_cooldown_seconds)

    @cached_property
    def booking(self) -> BookingService:
        from chalicelib.adapters.dynamodb.screenings_for_sale import CatalogScreenings
        from chalicelib.adapters.sqs import SqsExpiryScheduler
        from chalicelib.domain.reservations import HoldPolicy
        from chalicelib.services.booking import BookingService

        s = self.settings
        return BookingService(
            inventory=self.seat_inventory,
            layouts=CatalogScreenings(),
            scheduler=SqsExpiryScheduler(s, self.sqs),
            publisher=self.booking_events,
            clock=self.clock,
            policy=HoldPolicy(s.hold_seconds, s.hold_extension_seconds, s.hold_max_seconds, s.max_seats_per_hold),
        )

    @cached_property
    def catalog(self) -> Catalog:
        from chalicelib.adapters.dynamodb.catalog import DynamoMovies, DynamoScreenings, DynamoTheaters
        from chalicelib.services.catalog import Catalog

        return Catalog(
            movies=DynamoMovies(),
            theaters=DynamoTheaters(),
            screenings=DynamoScreenings(self.clock),
            seats=self.seat_inventory,
            clock=self.clock,
            cleaning_minutes=self.settings.cleaning_minutes,
        )

    @cached_property
    def password_hasher(self) -> Argon2PasswordHasher:
        from chalicelib.adapters.passwords import Argon2PasswordHasher

        return Argon2PasswordHasher()

    @cached_property
    def accounts(self) -> AccountService:
        from chalicelib.adapters.dynamodb.accounts import DynamoLoginCounters, DynamoSessions, DynamoUsers
        from chalicelib.services.accounts import AccountPolicy, AccountService

        s = self.settings
        policy = AccountPolicy(
            refresh_token_seconds=s.refresh_token_seconds,
            login_max_failures=s.login_max_failures,
            login_max_failures_per_ip=s.login_max_failures_per_ip,
            login_window_seconds=s.login_window_seconds,
            login_state_cache_seconds=s.login_state_cache_seconds,
        )
        return AccountService(
            DynamoUsers(),
            DynamoSessions(),
            DynamoLoginCounters(),
            self.password_hasher,
            self.tokens,
            self.clock,
            policy,
        )

    @cached_property
    def notifier(self) -> ApiGatewayNotifier:
        from chalicelib.adapters.dynamodb.realtime import DynamoConnections
        from chalicelib.adapters.websocket import ApiGatewayNotifier

        region = self.settings.region
        return ApiGatewayNotifier(
            lambda endpoint: aws_client("apigatewaymanagementapi", region, endpoint),
            self.settings.ws_management_url,
            DynamoConnections(),
        )

    @cached_property
    def realtime(self) -> Realtime:
        from chalicelib.adapters.dynamodb.realtime import DynamoConnections, DynamoSeatFeeds
        from chalicelib.services.realtime import BookedSeatMaps, Realtime

        return Realtime(
            DynamoConnections(),
            self.notifier,
            self.accounts.authenticate,
            self.clock,
            BookedSeatMaps(self.booking),
            DynamoSeatFeeds(),
        )

    # --- payments and tickets (docs/payments.md) ---

    @cached_property
    def sales(self) -> DynamoSales:
        from chalicelib.adapters.dynamodb.payments import DynamoSales

        return DynamoSales()

    @cached_property
    def payment_provider(self) -> SimulatedProvider:
        from chalicelib.adapters.payment_provider import SimulatedProvider

        return SimulatedProvider(self.clock)

    @cached_property
    def once(self) -> PowertoolsOnce:
        from chalicelib.adapters.dynamodb.models.payments import IdempotencyItem
        from chalicelib.adapters.idempotency import PowertoolsOnce

        client = aws_client("dynamodb", self.settings.region, self.settings.aws_endpoint_url)
        return PowertoolsOnce(IdempotencyItem.Meta.table_name, client, self.settings.idempotency_seconds)

    @cached_property
    def payments(self) -> PaymentService:
        from datetime import timedelta

        from chalicelib.services.payments import PaymentService, check_transaction_fits

        check_transaction_fits(self.settings.max_seats_per_hold)
        return PaymentService(
            sales=self.sales,
            provider=self.payment_provider,
            inventory=self.seat_inventory,
            clock=self.clock,
            recovery_after=timedelta(seconds=self.settings.payment_recovery_after_seconds),
        )

    @cached_property
    def ticket_signer(self) -> TicketSigner:
        from chalicelib.services.tickets import TicketSigner
        from chalicelib.settings import require_ticket_keys

        return TicketSigner(require_ticket_keys(self.settings), self.settings.ticket_active_kid)

    @cached_property
    def tickets(self) -> TicketService:
        from datetime import timedelta

        from chalicelib.adapters.dynamodb.screenings_for_sale import CatalogScreenings
        from chalicelib.domain.tickets import RefundPolicy
        from chalicelib.services.tickets import TicketService

        return TicketService(
            sales=self.sales,
            provider=self.payment_provider,
            screenings=CatalogScreenings(),
            signer=self.ticket_signer,
            clock=self.clock,
            policy=RefundPolicy(timedelta(minutes=self.settings.refund_cutoff_minutes)),
        )

    @cached_property
    def surge(self) -> SurgeService:
        from chalicelib.adapters.dynamodb.surge import DynamoLines, DynamoSeatRequests
        from chalicelib.adapters.queue_updates import RealtimeQueueUpdates
        from chalicelib.adapters.sqs import SqsSeatRequestQueue
        from chalicelib.services.surge import SurgePolicy, SurgeService

        s = self.settings
        return SurgeService(
            booking=self.booking,
            requests=DynamoSeatRequests(),
            lines=DynamoLines(),
            queue=SqsSeatRequestQueue(s, self.sqs),
            updates=RealtimeQueueUpdates(self.realtime.send_to_users),
            screenings=self.catalog,
            clock=self.clock,
            policy=SurgePolicy(s.surge_rate_per_second, s.surge_calm_seconds, s.surge_max_wait_seconds),
        )


@cache
def aws_client(service: str, region: str, endpoint_url: str | None) -> Any:
    """One boto3 client per service and endpoint for the life of the process (building one costs ~0.3 s).

    Its connection pool (botocore's default is 10) is larger than any caller's threads: a local REST worker's and
    the WebSocket fan-out's (`adapters.websocket.FANOUT_THREADS`). Beyond the pool, every concurrent call opens a
    connection and closes it afterwards.
    """
    import boto3
    from botocore.config import Config

    config = Config(max_pool_connections=AWS_CLIENT_POOL)
    return boto3.session.Session(region_name=region).client(service, endpoint_url=endpoint_url, config=config)


AWS_CLIENT_POOL = 64


_services: Services | None = None


def services() -> Services:
    global _services
    if _services is None:
        _services = Services(get_settings())
    return _services


def override(replacement: Services | None) -> None:
    """Tests (and the local cloud) install their own composition; None rebuilds from the environment."""
    global _services
    _services = replacement
