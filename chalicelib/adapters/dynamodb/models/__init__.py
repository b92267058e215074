"""Every table of the product, one module per room. `ALL` is what tests, the local cloud and the template use."""

from chalicelib.adapters.dynamodb.models import accounts, booking, catalog, payments, realtime, surge

ALL = [*accounts.MODELS, *catalog.MODELS, *booking.MODELS, *realtime.MODELS, *payments.MODELS, *surge.MODELS]
