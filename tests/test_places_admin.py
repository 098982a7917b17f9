"""The admin's places: properties, buildings, floors and areas through the real forms,
checkpoint codes and their stickers; bad input and other roles change nothing."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.models import Area, AreaKind, Building, Floor, Property, User
from app.places import CHECKPOINT_PREFIX
from app.places.checkpoints import QUIET_ZONE, checkpoint_qr, sticker_svg
from app.places.schemas import AreaSchema, FloorSchema, PropertySchema
from tests.support import Tablet, add_other_property, duty_entry, session_of, table_contents

HTMX = {"HX-Request": "true"}


def ids(app, model, **where) -> list[int]:
    with app.app_context():
        query = select(model.id).filter_by(**where).order_by(model.id)
        return list(db.session.scalars(query))


def floor_named(app, name: str) -> Floor:
    with app.app_context():
        floor = db.session.scalar(select(Floor).where(Floor.name == name))
        db.session.expunge(floor)
        return floor


def area_named(app, name: str) -> Area:
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.name == name))
        db.session.expunge(area)
        return area


def demo_building_id(app) -> int:
    return ids(app, Building, name="主楼")[0]


def marked(page: str, control_id: str) -> bool:
    """Whether the form control is marked invalid and its message tied to it."""
    tag = re.search(rf'<(?:input|select)[^>]*id="{re.escape(control_id)}"[^>]*>', page)
    return (
        tag is not None
        and 'aria-invalid="true"' in tag.group(0)
        and re.search(rf'aria-describedby="([^"]* )?{re.escape(control_id)}-error"', tag.group(0))
        and f'id="{control_id}-error"' in page
    )


def assert_refused(app, auth, url, form, control_id, headers) -> None:
    """The form is answered 422 with the control marked, and nothing changed."""
    before = table_contents(app)
    reply = auth.post(url, form, headers=headers)
    assert reply.status_code == 422
    assert marked(reply.get_data(as_text=True), control_id)
    assert table_contents(app) == before


def assert_asks_first(app, client, url, shown: str) -> None:
    """Opening the step (in place) shows what it is about and changes nothing yet."""
    before = table_contents(app)
    asked = client.get(url, headers=HTMX)
    assert asked.status_code == 200 and shown in asked.get_data(as_text=True)
    assert table_contents(app) == before


# -- Properties ---------------------------------------------------------------------------


def name_and_zone(app, code: str) -> tuple[str, str]:
    with app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == code))
        return prop.name, prop.timezone


def test_the_admin_creates_a_property_and_works_at_it_at_once(app, client, auth):
    auth.login("admin")
    form = {"name": " 二号园区 ", "code": "P2", "timezone": "Europe/Berlin"}
    assert auth.post("/places/properties/new", form).status_code == 302
    assert name_and_zone(app, "P2") == ("二号园区", "Europe/Berlin")
    (prop_id,) = ids(app, Property, code="P2")
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert prop_id in {p.id for p in admin.properties}
    assert session_of(client)["property_id"] == prop_id
    page = client.get("/places").get_data(as_text=True)
    assert "二号园区" in page and "Europe/Berlin" in page


def test_an_admin_of_no_property_yet_sets_up_the_first_one(app, client, auth):
    """A fresh site: the admin works nowhere yet, and the places page offers a property."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        admin.properties = []
        db.session.commit()
    auth.login("admin")
    page = client.get("/places").get_data(as_text=True)
    assert 'href="/places/properties/new"' in page and "/places/building/in/" not in page
    form = {"name": "新园区", "code": "NEW", "timezone": "Asia/Shanghai"}
    assert auth.post("/places/properties/new", form).status_code == 302
    (prop_id,) = ids(app, Property, code="NEW")
    assert f"/places/building/in/{prop_id}" in client.get("/places").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"code": "DEMO"}, "code"),
        ({"code": "P 2"}, "code"),
        ({"code": "x" * 33}, "code"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": ""}, "timezone"),
    ],
)
def test_a_bad_new_property_is_marked_and_changes_nothing(app, client, auth, change, field):
    auth.login("admin")
    working_at = session_of(client).get("property_id")
    form = {"name": "二号园区", "code": "P2", "timezone": "Asia/Shanghai", **change}
    assert_refused(app, auth, "/places/properties/new", form, field, {})
    assert session_of(client).get("property_id") == working_at


def test_the_admin_changes_the_propertys_name_and_time_zone(app, client, auth):
    auth.login("admin")
    form = {"name": "示例大厦二期", "code": "DEMO", "timezone": "Asia/Hong_Kong"}
    assert auth.post("/places/property", form).status_code == 302
    assert name_and_zone(app, "DEMO") == ("示例大厦二期", "Asia/Hong_Kong")
    add_other_property(app)
    taken = {"name": "x", "code": "OTHER", "timezone": "UTC"}
    assert_refused(app, auth, "/places/property", taken, "code", {})


# -- Buildings, floors and areas ---------------------------------------------------------


def test_the_admin_adds_a_building_a_floor_and_an_area(app, client, auth):
    auth.login("admin")
    prop_id = ids(app, Property, code="DEMO")[0]
    assert auth.post(f"/places/building/in/{prop_id}", {"name": "裙楼"}).status_code == 302
    (building_id,) = ids(app, Building, name="裙楼")
    reply = auth.post(f"/places/floor/in/{building_id}", {"name": "B2", "level": "-2"})
    assert reply.status_code == 302
    (floor_id,) = ids(app, Floor, name="B2")
    # In place: the list comes back with the new row and the form open for the next one.
    reply = auth.post(
        f"/places/area/in/{floor_id}", {"name": "机动车库", "kind": "car_park"}, headers=HTMX
    )
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert page.lstrip().startswith('<div id="places">') and "机动车库" in page
    assert "autofocus" in page and "Vary" in reply.headers and "HX-Request" in reply.headers["Vary"]
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.name == "机动车库"))
        assert (area.kind, area.floor.level, area.floor.building.name) == (
            AreaKind.CAR_PARK,
            -2,
            "裙楼",
        )
        assert area.checkpoint_code
    # Floor staff's tablets hold the new area with where it is.
    pulled = [c for c in Tablet(app, "floor1").pull().get_json()["changes"] if c["kind"] == "area"]
    new = next(c["data"] for c in pulled if c["data"]["name"] == "机动车库")
    assert (new["floor"], new["level"], new["building"]) == ("B2", -2, "裙楼")


BAD_PLACES = [
    ("building", {"name": ""}, "name"),
    ("building", {"name": "  "}, "name"),
    ("building", {"name": "主楼"}, "name"),
    ("building", {"name": "x" * 121}, "name"),
    ("floor", {"name": "", "level": "3"}, "name"),
    ("floor", {"name": "2F", "level": "2"}, "name"),
    ("floor", {"name": "夹层", "level": "1.5"}, "level"),
    ("floor", {"name": "夹层", "level": "一"}, "level"),
    ("floor", {"name": "夹层", "level": "900"}, "level"),
    ("floor", {"name": "夹层"}, "level"),
    ("area", {"name": "", "kind": "lobby"}, "name"),
    ("area", {"name": "大堂", "kind": "lobby"}, "name"),
    ("area", {"name": "前台", "kind": "castle"}, "kind"),
    ("area", {"name": "前台"}, "kind"),
]


def parent_of_new(app, kind: str) -> int:
    if kind == "building":
        return ids(app, Property, code="DEMO")[0]
    if kind == "floor":
        return demo_building_id(app)
    return floor_named(app, "1F").id


@pytest.mark.parametrize(("kind", "form", "field"), BAD_PLACES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_bad_new_place_is_marked_and_changes_nothing(
    app, client, auth, kind, form, field, headers
):
    auth.login("admin")
    parent_id = parent_of_new(app, kind)
    url = f"/places/{kind}/in/{parent_id}"
    assert_refused(app, auth, url, form, f"new-{kind}-{parent_id}-{field}", headers)


@pytest.fixture
def synced(app) -> Tablet:
    """Floor staff's tablet, holding the places as they are now."""
    tablet = Tablet(app, "floor1")
    tablet.pull()
    return tablet


def areas_changed(tablet: Tablet) -> list[dict]:
    return [c for c in tablet.pull().get_json()["changes"] if c["kind"] == "area"]


def test_renaming_a_floor_sends_its_areas_again_with_the_new_name(app, auth, synced):
    floor = floor_named(app, "12F")
    auth.login("admin")
    form = auth.post(f"/places/floor/{floor.id}/edit", {"name": "12F 东", "level": "12"})
    assert form.status_code == 302
    changed = areas_changed(synced)
    assert [(c["data"]["name"], c["data"]["floor"]) for c in changed] == [("12层办公区", "12F 东")]


def test_renaming_a_building_and_an_area_in_place(app, client, auth):
    auth.login("admin")
    building_id = demo_building_id(app)
    opened = client.get(f"/places/building/{building_id}/edit", headers=HTMX)
    assert opened.status_code == 200 and 'id="building-' in opened.get_data(as_text=True)
    reply = auth.post(f"/places/building/{building_id}/edit", {"name": "A座"}, headers=HTMX)
    assert reply.status_code == 200 and "A座" in reply.get_data(as_text=True)
    lobby = area_named(app, "大堂")
    reply = auth.post(f"/places/area/{lobby.id}/edit", {"name": "一层大堂", "kind": "lobby"})
    assert reply.status_code == 302
    with app.app_context():
        area = db.session.get(Area, lobby.id)
        assert (area.name, area.floor.building.name) == ("一层大堂", "A座")
        assert area.checkpoint_code == lobby.checkpoint_code


@pytest.mark.parametrize(
    ("kind", "name", "form", "field"),
    [
        ("building", None, {"name": ""}, "name"),
        ("floor", "2F", {"name": "3F", "level": "2"}, "name"),
        ("floor", "2F", {"name": "2F", "level": "x"}, "level"),
        ("area", "大堂", {"name": "大堂", "kind": "hall"}, "kind"),
    ],
)
def test_a_bad_rename_is_marked_and_changes_nothing(app, client, auth, kind, name, form, field):
    auth.login("admin")
    place_id = {
        "building": lambda: demo_building_id(app),
        "floor": lambda: floor_named(app, name).id,
        "area": lambda: area_named(app, name).id,
    }[kind]()
    url = f"/places/{kind}/{place_id}/edit"
    assert_refused(app, auth, url, form, f"{kind}-{place_id}-{field}", HTMX)


def test_removing_asks_first_then_removes_an_unused_area_from_the_tablets(
    app, client, auth, synced
):
    area = area_named(app, "设备房")
    auth.login("admin")
    assert_asks_first(app, client, f"/places/area/{area.id}/remove", "设备房")
    assert auth.post(f"/places/area/{area.id}/remove").status_code == 302
    assert ids(app, Area, name="设备房") == []
    assert [(c["op"], c["id"]) for c in areas_changed(synced)] == [("delete", str(area.id))]


def test_a_place_that_records_or_other_places_refer_to_is_not_removed(app, client, auth):
    lobby = area_named(app, "大堂")
    reply = Tablet(app, "floor1").push(duty_entry(1, area_id=lobby.id, text="大堂地滑"))
    assert reply.get_json()["results"][0]["status"] == "applied"
    auth.login("admin")
    before = table_contents(app)
    refused = auth.post(f"/places/area/{lobby.id}/remove", headers=HTMX)
    assert refused.status_code == 422
    assert "1 条记录" in refused.get_data(as_text=True)
    floor = floor_named(app, "2F")
    refused = auth.post(f"/places/floor/{floor.id}/remove")
    assert refused.status_code == 422
    building = auth.post(f"/places/building/{demo_building_id(app)}/remove")
    assert building.status_code == 422
    assert table_contents(app) == before


def test_an_empty_floor_and_building_are_removed(app, client, auth):
    auth.login("admin")
    prop_id = ids(app, Property, code="DEMO")[0]
    auth.post(f"/places/building/in/{prop_id}", {"name": "临时楼"})
    (building_id,) = ids(app, Building, name="临时楼")
    auth.post(f"/places/floor/in/{building_id}", {"name": "1F", "level": "1"})
    (floor_id,) = ids(app, Floor, building_id=building_id)
    assert auth.post(f"/places/floor/{floor_id}/remove").status_code == 302
    assert auth.post(f"/places/building/{building_id}/remove", headers=HTMX).status_code == 200
    assert ids(app, Building, name="临时楼") == []


def test_places_of_another_property_are_answered_as_absent(app, client, auth):
    other_id = add_other_property(app)
    with app.app_context():
        other = db.session.get(Property, other_id)
        other.buildings.append(Building(name="一栋", floors=[Floor(name="1F", level=1)]))
        other.buildings[0].floors[0].areas.append(Area(name="门厅", kind=AreaKind.LOBBY))
        db.session.commit()
        building_id = other.buildings[0].id
        floor_id = other.buildings[0].floors[0].id
        area_id = other.buildings[0].floors[0].areas[0].id
    auth.login("admin")
    before = table_contents(app)
    for method, url, form in [
        ("post", f"/places/building/in/{other_id}", {"name": "x"}),
        ("post", f"/places/floor/in/{building_id}", {"name": "x", "level": "1"}),
        ("post", f"/places/area/{area_id}/edit", {"name": "x", "kind": "lobby"}),
        ("post", f"/places/floor/{floor_id}/remove", {}),
        ("post", f"/places/areas/{area_id}/code", {}),
        ("get", f"/places/areas/{area_id}", None),
        ("get", "/places/castle/1/edit", None),
    ]:
        reply = auth.post(url, form) if method == "post" else client.get(url)
        assert reply.status_code == 404, url
    stickers = client.get(f"/places/stickers?area={area_id}&building={building_id}")
    assert "门厅" not in stickers.get_data(as_text=True)
    assert table_contents(app) == before


@pytest.mark.parametrize("username", ["office1", "super1", "floor1", "eng1"])
def test_only_the_admin_changes_places(app, client, auth, username):
    auth.login(username)
    lobby = area_named(app, "大堂")
    before = table_contents(app)
    for url, form in [
        (f"/places/area/{lobby.id}/edit", {"name": "x", "kind": "lobby"}),
        (f"/places/area/{lobby.id}/remove", {}),
        (f"/places/areas/{lobby.id}/code", {}),
        ("/places/properties/new", {"name": "x", "code": "X", "timezone": "UTC"}),
    ]:
        assert auth.post(url, form).status_code == 403, url
    assert table_contents(app) == before
    page = client.get("/places").get_data(as_text=True)
    assert "大堂" in page and "/edit" not in page and "/remove" not in page


# -- Checkpoint codes and stickers ---------------------------------------------------------


def modules_of(svg: str) -> list[list[bool]]:
    """The dark modules an inline SVG of segno's draws, read back from its path.

    The path draws each row's dark runs as horizontal lines: ``M x y`` or ``m dx dy``
    moves (a row's line runs along its middle, y + 0.5), ``h n`` draws n modules.
    """
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    grid = [[False] * size for _ in range(size)]
    path = re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d. ,]+)", path):
        values = [float(v) for v in re.split(r"[ ,]+", numbers.strip())]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            run = values[0]
            for column in range(int(x), int(x + run)):
                grid[int(y)][column] = True
            x += run
    return grid


def matrix_of(content: str) -> list[list[bool]]:
    """How segno encodes this text, with the sticker's quiet zone around it."""
    code = checkpoint_qr(content.removeprefix(CHECKPOINT_PREFIX))
    return [[bool(module) for module in row] for row in code.matrix_iter(border=QUIET_ZONE)]


def test_the_qr_code_of_a_sticker_carries_the_prefix_and_the_areas_code(app):
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.name == "大堂"))
        svg = str(sticker_svg(area, "大堂"))
        expected = matrix_of(CHECKPOINT_PREFIX + area.checkpoint_code)
        assert modules_of(svg) == expected
        assert modules_of(svg) != matrix_of(CHECKPOINT_PREFIX + "someone-elses-code")
    assert 'role="img"' in svg and "style=" not in svg


@settings(max_examples=30, deadline=None)
@given(code=st.text(alphabet=st.characters(min_codepoint=45, max_codepoint=122), max_size=32))
def test_any_code_reads_back_from_its_sticker(code):
    area = Area(name="x", kind=AreaKind.LOBBY, checkpoint_code=code)
    assert modules_of(str(sticker_svg(area, "x"))) == matrix_of(CHECKPOINT_PREFIX + code)


def test_stickers_of_ticked_areas_floors_and_buildings(app, client, auth):
    auth.login("office1")
    lobby, car_park = area_named(app, "大堂"), area_named(app, "地下停车场")
    twelve = floor_named(app, "12F")
    page = client.get(
        f"/places/stickers?area={lobby.id}&area={car_park.id}&floor={twelve.id}"
    ).get_data(as_text=True)
    codes = re.findall(r'class="sticker" data-code="([^"]+)"', page)
    twelfth = area_named(app, "12层办公区")
    assert codes == [car_park.checkpoint_code, lobby.checkpoint_code, twelfth.checkpoint_code]
    assert page.count("<svg") == 3 and "主楼 · B1" in page
    whole = client.get(f"/places/stickers?building={demo_building_id(app)}")
    with app.app_context():
        assert whole.get_data(as_text=True).count("<svg") == len(
            list(db.session.scalars(select(Area)))
        )
    assert "<svg" not in client.get("/places/stickers").get_data(as_text=True)


def test_a_new_code_is_issued_only_once_confirmed(app, client, auth):
    lobby = area_named(app, "大堂")
    auth.login("admin")
    assert_asks_first(app, client, f"/places/areas/{lobby.id}/code", 'id="checkpoint"')
    issued = auth.post(f"/places/areas/{lobby.id}/code", headers=HTMX)
    assert issued.status_code == 200
    fresh = area_named(app, "大堂").checkpoint_code
    assert fresh != lobby.checkpoint_code
    assert fresh in issued.get_data(as_text=True)
    sticker = client.get(f"/places/stickers?area={lobby.id}").get_data(as_text=True)
    assert fresh in sticker and lobby.checkpoint_code not in sticker


# -- Schemas ----------------------------------------------------------------------------


def test_the_schemas_trim_names_and_check_levels_kinds_and_zones():
    assert FloorSchema().load({"name": " B3 ", "level": "-3"}) == {"name": "B3", "level": -3}
    assert AreaSchema().load({"name": "大堂", "kind": "lobby"})["kind"] is AreaKind.LOBBY
    loaded = PropertySchema().load({"name": "x", "code": "A-1", "timezone": "America/New_York"})
    assert loaded["timezone"] == "America/New_York"
    assert set(FloorSchema().validate({"name": "x", "level": "-21"})) == {"level"}
    assert set(PropertySchema().validate({"name": "x", "code": "a", "timezone": "EST5"})) == {
        "timezone"
    }


@settings(max_examples=60, deadline=None)
@given(form=st.dictionaries(st.sampled_from(["name", "level", "kind"]), st.text(max_size=130)))
def test_any_form_either_loads_within_the_limits_or_names_the_wrong_fields(form):
    for schema in (FloorSchema(), AreaSchema()):
        errors = schema.validate(form)
        if not errors:
            loaded = schema.load(form)
            assert 1 <= len(loaded["name"]) <= 120 and loaded["name"] == loaded["name"].strip()
        assert set(errors) <= {"name", "level", "kind"}
