"""The request bodies of push and pull, validated before the database is touched."""

import hashlib
from datetime import datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from sync.errors import ProtocolError
from sync.values import text_problem, unstorable

MAX_BATCH = 500
# A device clock outside these years is broken, and UTC arithmetic on it could overflow.
EARLIEST_DEVICE_YEAR, LATEST_DEVICE_YEAR = 2000, 2999
SCHEMA_VERSIONS = frozenset({1})


class DeviceTime(fields.Field):
    """An ISO 8601 time with its offset, as a device's clock gave it.

    Parsed with ``datetime.fromisoformat``: marshmallow's own parser is a large share of
    a push's time, and every mutation carries one of these.
    """

    default_error_messages = {
        "invalid": "Not an ISO 8601 time.",
        "naive": "The time must carry its offset from UTC.",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as error:
            raise self.make_error("invalid") from error
        if moment.tzinfo is None:
            raise self.make_error("naive")
        if not EARLIEST_DEVICE_YEAR <= moment.year <= LATEST_DEVICE_YEAR:
            raise self.make_error("invalid")
        return moment


class Mutations(fields.Field):
    """The mutations of a push, each ``{id, name, args, device_time}``.

    One field for the whole list rather than a nested schema per mutation: a batch holds
    hundreds, and a nested schema costs more than the mutation's own effect.

    A mutation whose id can be read but whose other fields cannot is kept, with
    ``malformed`` saying what is wrong: it is refused alone and its id advances, so a
    broken mutation never jams the device's queue. Only an unreadable id (or something
    that is not a mutation at all) refuses the whole push.
    """

    device_time = DeviceTime()
    default_error_messages = {
        "not_a_list": "A list of mutations is required.",
        "not_an_object": "Each mutation is an object.",
        "id": "A mutation id is a whole number from 1.",
    }
    FIELDS = frozenset({"id", "name", "args", "device_time"})
    # Who made the change, on a device that people hand over (PROTOCOL.md).
    OPTIONAL_FIELDS = frozenset({"acting_user_id"})

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict]:
        if not isinstance(value, list):
            raise self.make_error("not_a_list")
        loaded = []
        for index, item in enumerate(value):
            try:
                loaded.append(self._one(item))
            except ValidationError as error:
                raise ValidationError({index: error.messages}) from error
        return loaded

    def _one(self, item) -> dict:
        if not isinstance(item, dict):
            raise self.make_error("not_an_object")
        mutation_id = item.get("id")
        if type(mutation_id) is not int or not 1 <= mutation_id <= MAX_MUTATION_ID:
            raise self.make_error("id")
        name, args = item.get("name"), item.get("args")
        readable = isinstance(name, str) and 1 <= len(name) <= 80 and not text_problem(name)
        readable_name = name if readable else None
        acting_user_id = item.get("acting_user_id")
        mutation = {
            "id": mutation_id,
            "name": readable_name,
            "args": args if isinstance(args, dict) else {},
            "device_time": None,
            "acting_user_id": acting_user_id if type(acting_user_id) is int else None,
            "malformed": None,
        }
        if not self.FIELDS <= item.keys() <= self.FIELDS | self.OPTIONAL_FIELDS:
            mutation["malformed"] = (
                "Each mutation has exactly id, name, args and device_time, and may say "
                "acting_user_id."
            )
        elif "acting_user_id" in item and not (
            type(acting_user_id) is int and 1 <= acting_user_id <= MAX_MUTATION_ID
        ):
            mutation["malformed"] = "acting_user_id is a user's id, a whole number from 1."
        elif readable_name is None:
            mutation["malformed"] = "A mutation name is text of 1 to 80 characters."
        elif not isinstance(args, dict):
            mutation["malformed"] = "A mutation's args are an object."
        else:
            try:
                mutation["device_time"] = self.device_time.deserialize(item["device_time"])
            except ValidationError as error:
                mutation["malformed"] = f"device_time: {' '.join(error.messages)}"
        if mutation["malformed"] is None:
            mutation["malformed"] = unstorable(args)
        return mutation


# A mutation id the database's BIGINT holds, with room to count on.
MAX_MUTATION_ID = 2**62


class PushSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    client_id = fields.UUID(required=True)
    schema_version = fields.Integer(required=True, strict=True)
    mutations = Mutations(required=True)


class PullSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    client_id = fields.UUID(required=True)
    # Opaque to the device: "<property>.<version>.<scopes>", or null for a first pull.
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


PUSH = PushSchema()
PULL = PullSchema()


def load(schema: Schema, body) -> dict:
    if not isinstance(body, dict):
        raise ProtocolError(400, "invalid_request", "The body must be a JSON object.")
    if isinstance(body.get("mutations"), list) and len(body["mutations"]) > MAX_BATCH:
        raise ProtocolError(
            413,
            "batch_too_large",
            f"At most {MAX_BATCH} mutations per push; send the rest in another batch.",
            max_batch=MAX_BATCH,
        )
    try:
        return schema.load(body)
    except ValidationError as error:
        raise ProtocolError(
            400, "invalid_request", "The request is malformed.", fields=error.normalized_messages()
        ) from error


def scope_fingerprint(scopes) -> str:
    """A short digest of a device's scopes: a cursor is only good for the scopes it was made for."""
    return hashlib.sha256("\n".join(sorted(scopes)).encode()).hexdigest()[:8]


def parse_cursor(cursor: str | None) -> tuple[int, int, str] | None:
    """(property id, version, scope fingerprint) of a cursor; None when absent.

    Raises ProtocolError for a cursor this server did not make.
    """
    if not cursor:
        return None
    parts = cursor.split(".")
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        raise ProtocolError(400, "invalid_cursor", "This cursor was not made by this server.")
    return int(parts[0]), int(parts[1]), parts[2]


def format_cursor(partition_id: int, version: int, scopes) -> str:
    return f"{partition_id}.{version}.{scope_fingerprint(scopes)}"
