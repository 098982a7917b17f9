"""One route serves every job's photos: to whom, and how."""

import uuid

from tests.support import JPEG, AuthActions, Tablet, a_photo_in_the_duty_log, office_elsewhere


def test_the_office_of_the_photos_property_sees_it_privately(app, client, auth):
    photo_id = a_photo_in_the_duty_log(app)
    auth.login("office1")
    response = client.get(f"/attachments/{photo_id}")
    assert response.status_code == 200 and response.data == JPEG
    assert response.mimetype == "image/jpeg"
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get(f"/attachments/{uuid.uuid4()}").status_code == 404


def test_roles_that_may_not_read_the_record_do_not_see_its_photo(app):
    photo_id = a_photo_in_the_duty_log(app)
    for username in ("guard1", "eng1"):
        client = app.test_client()
        AuthActions(client).login(username)
        assert client.get(f"/attachments/{photo_id}").status_code == 404, username
    supervisor = app.test_client()
    AuthActions(supervisor).login("super1")
    assert supervisor.get(f"/attachments/{photo_id}").status_code == 200


def test_an_office_of_another_property_does_not_see_the_photo(app):
    photo_id = a_photo_in_the_duty_log(app)
    assert office_elsewhere(app).get(f"/attachments/{photo_id}").status_code == 404


def test_a_photo_no_record_uses_is_not_served(app, client, auth):
    tablet = Tablet(app, "floor1")
    photo_id = uuid.uuid4()
    assert tablet.upload(photo_id, JPEG).status_code == 201
    auth.login("office1")
    assert client.get(f"/attachments/{photo_id}").status_code == 404
