"""Fields that the jobs' device changes share, each limit and its message written once.

The server's schemas use them to refuse what is wrong; the forms render the same limits
and messages (``app.forms.field_rules``) so that a tablet checks them before a change
enters its outbox.
"""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

#: The longest free text a person writes in one field on a tablet.
MAX_TEXT = 2000
#: Photos one record may carry.
MAX_PHOTOS = 4


def text(max_length: int = MAX_TEXT, **kwargs) -> fields.String:
    """Free text a person must write, 1 to ``max_length`` characters."""
    return fields.String(
        required=True,
        validate=validate.Length(
            min=1,
            max=max_length,
            error=_l("Write 1 to %(max)s characters.", max=max_length),
        ),
        **kwargs,
    )


def optional_text(max_length: int = MAX_TEXT, **kwargs) -> fields.String:
    """Free text a person may leave blank, at most ``max_length`` characters."""
    return fields.String(
        **{"load_default": "", **kwargs},
        validate=validate.Length(
            max=max_length, error=_l("Write at most %(max)s characters.", max=max_length)
        ),
    )


def count(least: int, most: int, **kwargs) -> fields.Integer:
    """A whole number from ``least`` to ``most``: people, minutes."""
    return fields.Integer(
        validate=validate.Range(
            min=least,
            max=most,
            error=_l("Enter a number from %(min)s to %(max)s.", min=least, max=most),
        ),
        **kwargs,
    )


def photo_ids(max_count: int = MAX_PHOTOS) -> fields.List:
    """The ids of a record's photos, which the device uploads on their own."""
    return fields.List(
        fields.UUID(),
        load_default=list,
        validate=validate.Length(
            max=max_count, error=_l("At most %(count)s photos.", count=max_count)
        ),
    )
