from sqlalchemy import func, select

from app.demo import DEMO_ACCOUNTS, OFFICE_FLOORS
from app.extensions import db
from app.models import Area, AreaKind, User


def test_demo_property_has_the_places_of_an_office_tower(app):
    with app.app_context():
        kinds = db.session.scalars(select(Area.kind)).all()
    assert kinds.count(AreaKind.OFFICE_FLOOR) == len(OFFICE_FLOORS) == 20
    assert kinds.count(AreaKind.LOBBY) == 1
    assert kinds.count(AreaKind.MEETING_FLOOR) == 1
    assert kinds.count(AreaKind.CAR_PARK) == 1


def test_demo_command_prints_accounts_and_creates_nothing_twice(app, runner):
    result = runner.invoke(args=["demo"])
    assert "kefu-demo" in result.output
    for username, _, _ in DEMO_ACCOUNTS:
        assert username in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == len(DEMO_ACCOUNTS)


def test_demo_accounts_exist_only_when_the_demo_made_them(app, runner):
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.is_demo = False
        db.session.commit()
    result = runner.invoke(args=["demo"])
    assert "No demo accounts" in result.output
