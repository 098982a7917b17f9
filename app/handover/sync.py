"""Hand-overs on the device: the one a tablet reports, and who may act on a device."""

from datetime import timedelta

from marshmallow import Schema, fields
from sqlalchemy import select

from app.extensions import db
from app.models import HandOver, Role, User, colleagues, utcnow
from sync.handlers import MutationContext
from sync.registry import Actor


def colleague(session, actor: Actor, user_id: int) -> User | None:
    """``user_id`` if they are an active user of the actor's property and role."""
    return session.scalar(colleagues(actor.property_id, Role(actor.role)).where(User.id == user_id))


def holder_of(session, actor: Actor, user_id: int) -> Actor | None:
    """Who ``user_id`` is on the actor's device, if the device was handed over to them
    (a sign-in on it, or a hand-over it reported) and they still work there."""
    user = colleague(session, actor, user_id)
    if user is None:
        return None
    handed = session.scalar(
        select(HandOver.id).where(
            (HandOver.device_id == actor.device_id) & (HandOver.user_id == user_id)
        )
    )
    if handed is None:
        return None
    return Actor(actor.device_id, user.id, user.role.value, actor.property_id)


# A tablet lists its holder's records of the day; a day and a half covers any time zone
# (as the duty log's entries stay on a device, app.duty.sync.KEPT_ON_DEVICE).
HOLDERS_OF_TODAY = timedelta(hours=36)


def devices_hold_their_holders_records(actor: Actor) -> set[str]:
    """A shared tablet holds what each of its holders of today made, not only what its
    signed-in user did: whoever holds it after a PIN hand-over sees their own records.
    Only colleagues (the device's property and role, still active) count, so a tablet
    never receives another role's records."""
    if actor.device_id is None:
        return set()
    holders = db.session.scalars(
        colleagues(actor.property_id, Role(actor.role))
        .with_only_columns(User.id)
        .where(
            User.id.in_(
                select(HandOver.user_id).where(
                    (HandOver.device_id == actor.device_id)
                    & (HandOver.received_at >= utcnow() - HOLDERS_OF_TODAY)
                )
            )
        )
    )
    return {f"user:{user_id}" for user_id in holders}


class TakeArgs(Schema):
    user_id = fields.Integer(required=True, strict=True)
    from_user_id = fields.Integer(load_default=None, allow_none=True, strict=True)


def take_over(context: MutationContext, args: dict) -> None:
    """A tablet was taken over offline with a PIN: the office is told."""
    taker = colleague(context.session, context.actor, args["user_id"])
    if taker is None or taker.pin_hash is None:
        context.reject("not_a_colleague", "Only a colleague with a PIN may take this device over.")
    context.session.add(
        HandOver(
            device_id=context.actor.device_id,
            user_id=taker.id,
            from_user_id=args["from_user_id"],
            by_pin=True,
            device_time=context.device_time,
            received_at=context.received_at,
        )
    )
    context.flag(
        "offline_hand_over",
        user_id=taker.id,
        user=taker.display_name,
        from_user_id=args["from_user_id"],
    )
