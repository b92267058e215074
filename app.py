"""The Chalice application: feature flags, blueprints. Nothing else lives here."""

from chalice import Chalice

from chalicelib.api import (
    accounts,
    auth,
    booking_events,
    catalog,
    health,
    openapi,
    pages,
    payments,
    reservations,
    seat_stream,
    surge_events,
    tickets,
    websocket,
)

app = Chalice(app_name="cinema-booking")
app.experimental_feature_flags.update(["WEBSOCKETS"])

app.register_blueprint(auth.bp)
app.register_blueprint(health.bp)
# --- blueprints of each room, registered below ---
app.register_blueprint(accounts.bp)
app.register_blueprint(catalog.bp)
app.register_blueprint(reservations.bp)
app.register_blueprint(booking_events.bp)
app.register_blueprint(payments.bp)
app.register_blueprint(tickets.bp)
app.register_blueprint(surge_events.bp)
app.register_blueprint(websocket.bp)
app.register_blueprint(seat_stream.bp)
app.register_blueprint(openapi.bp)
app.register_blueprint(pages.bp)
