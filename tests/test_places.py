"""The property's places on the tablets, through the real app's endpoints and scope rules."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Area
from tests.support import Tablet

# Written out rather than read from the app: which roles' tablets carry the places is
# the rule under test.
HOLD_THE_PLACES = {"floor1"}
HOLD_NO_PLACES = {"guard1", "office1", "super1", "eng1", "admin"}


def areas_pulled(app, username) -> list[dict]:
    tablet = Tablet(app, username)
    reply = tablet.pull()
    assert reply.status_code == 200, reply.get_json()
    return [change for change in reply.get_json()["changes"] if change["kind"] == "area"]


def test_floor_staffs_tablet_holds_every_place_of_its_property(app):
    """Floor staff work by area: their first pull carries every area of the property."""
    with app.app_context():
        demo_areas = db.session.scalar(select(func.count()).select_from(Area))
    assert demo_areas > 0
    (username,) = HOLD_THE_PLACES
    pulled = areas_pulled(app, username)
    assert len(pulled) == demo_areas
    assert all(change["op"] == "put" and change["data"]["name"] for change in pulled)


@pytest.mark.parametrize("username", sorted(HOLD_NO_PLACES))
def test_the_other_roles_tablets_hold_no_places(app, username):
    """A guard's, the office's and every other role's pull holds no area at all."""
    assert areas_pulled(app, username) == []


def test_each_area_carries_a_checkpoint_code_of_its_own(app):
    """The tablet matches a scanned sticker against these codes, so they must not repeat
    and must be too long to guess."""
    (username,) = HOLD_THE_PLACES
    codes = [change["data"]["checkpoint_code"] for change in areas_pulled(app, username)]
    assert len(set(codes)) == len(codes)
    assert min(len(code) for code in codes) >= 16
