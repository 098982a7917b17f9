"""``flask --app app demo``: a demo office tower and one account per role."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.jobs import current_jobs
from app.models import Area, AreaKind, Building, Floor, Property, Role, User

DEMO_PASSWORD = "kefu-demo"
DEMO_ACCOUNTS = [
    ("floor1", "王楼层", Role.FLOOR_STAFF),
    ("guard1", "李保安", Role.GUARD),
    ("guard2", "赵保安", Role.GUARD),
    ("office1", "张客服", Role.OFFICE),
    ("super1", "陈主管", Role.SUPERVISOR),
    ("eng1", "刘工程", Role.ENGINEERING),
    ("admin", "系统管理员", Role.ADMIN),
]
OFFICE_FLOORS = range(2, 22)


def build_demo_property() -> Property:
    """示例大厦: a car park and plant room below, a lobby, 20 office floors, a meeting floor."""
    prop = Property(code="DEMO", name="示例大厦", timezone="Asia/Shanghai")
    tower = Building(name="主楼")
    prop.buildings.append(tower)

    def floor(name: str, level: int, *areas: tuple[str, AreaKind]) -> None:
        tower.floors.append(
            Floor(name=name, level=level, areas=[Area(name=n, kind=k) for n, k in areas])
        )

    floor("B1", -1, ("地下停车场", AreaKind.CAR_PARK), ("设备房", AreaKind.PLANT_ROOM))
    floor("1F", 1, ("大堂", AreaKind.LOBBY))
    for level in OFFICE_FLOORS:
        floor(f"{level}F", level, (f"{level}层办公区", AreaKind.OFFICE_FLOOR))
    floor("22F", 22, ("会议层", AreaKind.MEETING_FLOOR))
    return prop


def create_demo() -> Property:
    """The demo property and its accounts, as the tests start from."""
    prop = build_demo_property()
    db.session.add(prop)
    # One hash for the one shared demo password: hashing is deliberately slow.
    password_hash = generate_password_hash(DEMO_PASSWORD)
    for username, name, role in DEMO_ACCOUNTS:
        user = User(
            username=username,
            display_name=name,
            role=role,
            is_demo=True,
            password_hash=password_hash,
            properties=[prop],
        )
        db.session.add(user)
    db.session.commit()
    return prop


def add_job_demos(prop: Property) -> None:
    """Each job's demo data at the demo property, so that a first look finds some."""
    for job in current_jobs():
        if job.demo is not None:
            job.demo(prop)
    db.session.commit()


def print_demo_accounts() -> None:
    demo_users = list(db.session.scalars(select(User).where(User.is_demo).order_by(User.id)))
    if not demo_users:
        click.echo("No demo accounts in this database.")
        return
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for user in demo_users:
        click.echo(f"  {user.username:<8} {user.role.value:<12} {user.display_name}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create the demo property and accounts if the database has no accounts; list them."""
    if db.session.scalar(select(func.count(User.id))) == 0:
        add_job_demos(create_demo())
        click.echo("Demo property 示例大厦 created.")
    print_demo_accounts()
