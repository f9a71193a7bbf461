"""The users page: listing, searching, roles, time accommodations and reset links."""

import re

import pytest
import sqlalchemy as sa

from quizapp.accommodations import STANDARD, UNTIMED
from quizapp.auth.models import User
from quizapp.classes.models import Enrollment
from quizapp.extensions import db


@pytest.fixture
def admin(auth, make_user):
    user = make_user("admin", display_name="Ada Admin")
    auth.login(user)
    return user


def _role_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).role


def test_users_page_lists_accounts_with_roles(client, admin, make_user):
    make_user("instructor", display_name="Ivy Instructor")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Ivy Instructor" in page and "Ada Admin" in page
    assert "2 accounts" in page


def test_search_filters_by_name_or_email(client, admin, make_user):
    make_user(display_name="Maria Lopez", email="mlopez@school.edu")
    make_user(display_name="Sam Chen", email="sam@school.edu")
    page = client.get("/admin/users?q=LOPEZ").get_data(as_text=True)
    assert "Maria Lopez" in page and "Sam Chen" not in page
    page = client.get("/admin/users?q=sam@").get_data(as_text=True)
    assert "Sam Chen" in page and "Maria Lopez" not in page


def test_users_page_is_paged(client, admin, make_user, app):
    with app.app_context():
        for n in range(60):
            db.session.add(
                User(email=f"bulk{n}@x.org", display_name=f"Bulk {n:02}", password_hash="x")
            )
        db.session.commit()
    first = client.get("/admin/users").get_data(as_text=True)
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert first.count("Reset link<span") == 50
    assert second.count("Reset link<span") == 11
    assert 'aria-label="Pages of users"' in first


def test_admin_promotes_a_student_to_instructor(client, admin, make_user, app):
    student = make_user()
    response = client.post(f"/admin/users/{student.id}/role?q=student", data={"role": "instructor"})
    assert response.headers["Location"] == "/admin/users?q=student"
    assert _role_of(app, student.id) == "instructor"
    assert "is now instructor" in client.get("/admin/users").get_data(as_text=True)


def test_unknown_role_is_refused(client, admin, make_user, app):
    student = make_user()
    client.post(f"/admin/users/{student.id}/role", data={"role": "superuser"})
    assert _role_of(app, student.id) == "student"
    assert "Choose one of the listed roles" in client.get("/admin/users").get_data(as_text=True)


def test_the_last_admin_cannot_demote_themselves(client, admin, app):
    client.post(f"/admin/users/{admin.id}/role", data={"role": "student"})
    assert _role_of(app, admin.id) == "admin"
    assert "only administrator" in client.get("/admin/users").get_data(as_text=True)


def test_admin_sets_the_account_wide_time_accommodation(client, admin, make_user, make_class, app):
    student = make_user()
    class_id = make_class(make_user("instructor"), students=(student,))
    response = client.post(f"/admin/users/{student.id}/accommodation", data={"time": "untimed"})
    assert response.headers["Location"] == "/admin/users"
    with app.app_context():
        user = db.session.get(User, student.id)
        assert user.accommodation == UNTIMED
        enrollment = db.session.scalar(sa.select(Enrollment).where(Enrollment.class_id == class_id))
        assert enrollment.accommodation == STANDARD  # the class's own stays as it was
    page = client.get("/admin/users").get_data(as_text=True)
    assert "untimed on tests started from now on" in page
    assert '<option value="untimed" selected>' in page
    client.post(f"/admin/users/{student.id}/accommodation", data={"time": "0.5"})
    with app.app_context():
        assert db.session.get(User, student.id).accommodation == UNTIMED


def test_role_change_for_missing_user_is_404(client, admin):
    assert client.post("/admin/users/9999/role", data={"role": "admin"}).status_code == 404


def test_reset_link_lets_the_user_set_a_password(app, client, admin, make_user):
    student = make_user()
    response = client.post(f"/admin/users/{student.id}/reset-link")
    assert response.headers["Cache-Control"] == "no-store"
    link = re.search(
        r'value="https://exam\.school\.example(/reset-password/[^"]+)"',
        response.get_data(as_text=True),
    )
    student_client = app.test_client()
    data = {"new_password": "a brand new passphrase", "confirm_password": "a brand new passphrase"}
    assert student_client.post(link.group(1), data=data).status_code == 302
    assert student_client.get("/account/password").status_code == 200
    fresh = app.test_client()
    response = fresh.post(
        "/login", data={"email": student.email, "password": "a brand new passphrase"}
    )
    assert response.status_code == 302
    assert student_client.post(link.group(1), data=data).status_code == 302
    assert "already been used" in student_client.get("/forgot-password").get_data(as_text=True)


def test_reset_link_ignores_a_forged_host_header(client, admin, make_user):
    student = make_user()
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    response = client.post(f"/admin/users/{student.id}/reset-link", base_url="http://evil.example")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="https://exam.school.example/reset-password/' in page
    assert "evil.example" not in page
