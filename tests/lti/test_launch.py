"""The whole LTI 1.3 flow against the simulated platform, and every refusal."""

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.classes.models import Classroom, Enrollment
from quizapp.classes.services import create_class, join_class, set_class_accommodation
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from quizapp.lti.models import GradeStatus, LtiContext, LtiGradePost, LtiResourceLink, LtiUser
from tests.conftest import AuthActions
from tests.lti.conftest import DEPLOYMENT, DL, INSTRUCTOR, ISSUER, LTI, new_key


def _users(app):
    with app.app_context():
        return db.session.execute(sa.select(User.id, User.email, User.role)).all()


def test_login_initiation_redirects_to_the_platform_with_state_and_nonce(platform):
    state, nonce = platform.login()
    assert state.startswith("state-") and len(nonce) > 20


def test_student_launch_creates_the_account_and_opens_the_test(app, client, platform):
    response = platform.launch()
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Start the test" in page.get_data(as_text=True)
    with app.app_context():
        link = db.session.scalar(sa.select(LtiUser))
        user = db.session.get(User, link.user_id)
        assert (link.issuer, link.sub) == (ISSUER, "student-sub-1")
        assert user.role == "student" and user.display_name == "Sam Learner"
        assert user.email.endswith("@lms.invalid")  # never the LMS's email claim


def test_the_same_sub_is_the_same_account_and_email_never_matches(app, platform, make_user):
    existing = make_user(email="sam@example.edu")  # the LMS's email claim, someone else's
    platform.launch()
    platform.launch()
    with app.app_context():
        linked = db.session.scalars(sa.select(LtiUser.user_id)).all()
    assert len(linked) == 1 and linked[0] != existing.id


def test_instructor_launch_makes_the_course_a_class_and_students_join_it(app, client, platform):
    teacher = platform.launch(
        sub="teacher-sub", name="Pat Teacher", **{LTI + "roles": [INSTRUCTOR]}
    )
    assert teacher.status_code == 302
    page = client.get(teacher.headers["Location"]).get_data(as_text=True)
    assert "class report" in page
    platform.launch()  # a student of the same course
    with app.app_context():
        classroom = db.session.scalar(sa.select(Classroom))
        assert classroom.name == "MA 110 Medical Terminology"
        instructor = db.session.get(User, classroom.instructor_id)
        assert instructor.role == "instructor" and instructor.display_name == "Pat Teacher"
        enrolled = db.session.scalars(sa.select(Enrollment.student_id)).all()
        assert len(enrolled) == 1


def test_a_finished_launched_test_posts_its_score_once(app, client, platform):
    landing = client.get(platform.launch().headers["Location"])
    assert landing.status_code == 200
    link_id = int(landing.request.path.rsplit("/", 1)[1])
    started = client.post(f"/lti/links/{link_id}/start")
    attempt_id = int(started.headers["Location"].split("/")[2])
    submitted = client.post(f"/attempts/{attempt_id}/submit", data={"section": ""})
    assert submitted.status_code == 302
    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["userId"] == "student-sub-1" and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert platform.lineitems[0]["scoreMaximum"] == 100  # the column, created when missing
    client.post(f"/attempts/{attempt_id}/submit", data={"section": ""})  # a resubmit
    assert len(platform.scores) == 1
    with app.app_context():
        post = db.session.scalar(sa.select(LtiGradePost))
        assert post.status == GradeStatus.POSTED and post.tries == 1


def test_starting_again_from_the_link_continues_the_open_test(app, client, platform):
    landing = client.get(platform.launch().headers["Location"])
    link_id = int(landing.request.path.rsplit("/", 1)[1])
    first = client.post(f"/lti/links/{link_id}/start").headers["Location"]
    attempt_id = int(first.split("/")[2])
    for _ in range(2):  # a second tab, a double press
        again = client.post(f"/lti/links/{link_id}/start")
        assert again.headers["Location"] == f"/attempts/{attempt_id}"
    page = client.get(f"/lti/links/{link_id}").get_data(as_text=True)
    assert "Continue your test" in page and "Start the test" not in page
    client.post(f"/attempts/{attempt_id}/submit", data={"section": ""})
    retake = int(client.post(f"/lti/links/{link_id}/start").headers["Location"].split("/")[2])
    assert retake != attempt_id  # a new try once the first is submitted
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LtiGradePost.id))) == 2


@pytest.mark.parametrize(
    ("owner", "retired", "placed"),
    [("course", False, True), ("other", False, False), (None, True, False), (None, False, True)],
)
def test_a_links_test_parameter_names_a_live_shipped_test_or_the_courses_own(
    app, client, platform, make_user, owner, retired, placed
):
    platform.launch(sub="teacher-sub", **{LTI + "roles": [INSTRUCTOR]})  # makes the course's class
    with app.app_context():
        course_teacher = db.session.scalar(sa.select(Classroom.instructor_id))
        owners = {"course": course_teacher, "other": make_user("instructor").id, None: None}
        db.session.execute(
            sa.update(Blueprint).values(
                owner_id=owners[owner], retired_at=sa.func.now() if retired else None
            )
        )
        db.session.commit()
    placement = {LTI + "resource_link": {"id": "link-2", "title": "Placed after the changes"}}
    landing = client.get(platform.launch(**placement).headers["Location"])
    with app.app_context():
        link = db.session.scalar(
            sa.select(LtiResourceLink).where(LtiResourceLink.resource_link_id == "link-2")
        )
        assert (link.blueprint_id is not None) is placed
    assert ("This link names no practice test" in landing.get_data(as_text=True)) is not placed


def test_a_launched_test_takes_the_time_of_its_courses_class_only(app, client, platform, make_user):
    platform.launch(sub="teacher-sub", **{LTI + "roles": [INSTRUCTOR]})
    landing = client.get(platform.launch().headers["Location"])
    link_id = int(landing.request.path.rsplit("/", 1)[1])
    other_teacher = make_user("instructor")
    with app.app_context():
        student_id = db.session.scalar(
            sa.select(LtiUser.user_id).where(LtiUser.sub == "student-sub-1")
        )
        student = db.session.get(User, student_id)
        course_class = db.session.get(Classroom, db.session.scalar(sa.select(LtiContext.class_id)))
        set_class_accommodation(course_class, student, "1.5", actor=course_class.instructor)
        # Another instructor's class, not linked to this course, makes the student untimed.
        other = create_class(db.session.get(User, other_teacher.id), "Elsewhere")
        join_class(student, other.join_code)
        set_class_accommodation(other, student, "untimed", actor=other.instructor)
        db.session.commit()
    started = client.post(f"/lti/links/{link_id}/start")
    attempt_id = int(started.headers["Location"].split("/")[2])
    with app.app_context():  # 10 minutes, times 1.5 (not untimed, not standard)
        assert db.session.get(Attempt, attempt_id).time_limit_seconds == 900


def test_a_launched_test_of_a_course_without_a_class_takes_the_account_wide_time(
    app, client, platform, make_user
):
    landing = client.get(platform.launch().headers["Location"])  # no instructor launched yet
    link_id = int(landing.request.path.rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.scalar(sa.select(LtiContext.class_id)) is None
        student = db.session.get(User, db.session.scalar(sa.select(LtiUser.user_id)))
        other = create_class(db.session.get(User, make_user("instructor").id), "Elsewhere")
        join_class(student, other.join_code)
        set_class_accommodation(other, student, "untimed", actor=other.instructor)
        student.time_multiplier = 2.0  # the admin's, account-wide
        db.session.commit()
    started = client.post(f"/lti/links/{link_id}/start")
    attempt_id = int(started.headers["Location"].split("/")[2])
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).time_limit_seconds == 1200


def test_a_failing_grade_post_shows_on_the_class_report_and_is_retried(app, client, platform):
    platform.launch(sub="teacher-sub", **{LTI + "roles": [INSTRUCTOR]})
    platform.fail_scores = True
    landing = client.get(platform.launch().headers["Location"])
    link_id = int(landing.request.path.rsplit("/", 1)[1])
    attempt_id = int(client.post(f"/lti/links/{link_id}/start").headers["Location"].split("/")[2])
    client.post(f"/attempts/{attempt_id}/submit", data={"section": ""})
    with app.app_context():
        post = db.session.scalar(sa.select(LtiGradePost))
        assert post.status == GradeStatus.FAILED and "503" in (post.last_error or "")
        class_id = db.session.scalar(sa.select(Classroom.id))
    teacher = platform.launch(sub="teacher-sub", **{LTI + "roles": [INSTRUCTOR]})
    assert teacher.status_code == 302
    report = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert "did not reach the LMS gradebook" in report
    platform.fail_scores = False
    client.post(f"/lti/classes/{class_id}/grades")
    assert len(platform.scores) == 1
    report = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert "Every score of a launched test reached the LMS gradebook" in report


def test_roster_sync_enrolls_the_courses_learners(app, client, platform):
    platform.members = [
        {
            "user_id": "student-sub-1",
            "name": "Sam Learner",
            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            "status": "Active",
        },
        {
            "user_id": "student-sub-2",
            "name": "Kim Learner",
            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        },
        {"user_id": "teacher-sub", "name": "Pat Teacher", "roles": [INSTRUCTOR]},
        {
            "user_id": "gone",
            "name": "Gone",
            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            "status": "Inactive",
        },
    ]
    platform.launch(sub="teacher-sub", **{LTI + "roles": [INSTRUCTOR]})
    with app.app_context():
        context_id = db.session.scalar(sa.select(LtiContext.id))
        class_id = db.session.scalar(sa.select(Classroom.id))
    response = client.post(f"/lti/contexts/{context_id}/roster")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 students in the course, 2 newly enrolled" in page
    with app.app_context():
        names = db.session.scalars(
            sa.select(User.display_name)
            .join(Enrollment, Enrollment.student_id == User.id)
            .where(Enrollment.class_id == class_id)
        ).all()
    assert sorted(names) == ["Kim Learner", "Sam Learner"]
    platform.launch()  # Sam's launch finds the account the roster made
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiUser)) == 3


def test_deep_linking_returns_a_signed_test_placement(app, client, platform):
    settings = {
        "deep_link_return_url": f"{ISSUER}/deep-link-return",
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "data": "opaque-platform-data",
    }
    response = platform.launch(
        sub="teacher-sub",
        **{
            LTI + "roles": [INSTRUCTOR],
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": None,
            LTI + "custom": None,
            DL: settings,
        },
    )
    assert response.headers["Location"].endswith("/lti/deep-link")
    picker = client.get("/lti/deep-link").get_data(as_text=True)
    assert "demo-test" in picker
    returned = client.post("/lti/deep-link", data={"test": "demo-test"})
    html = returned.get_data(as_text=True)
    assert f'action="{ISSUER}/deep-link-return"' in html
    token = html.split('name="JWT" value="')[1].split('"')[0]
    claims = platform.verify_tool_jwt(token, audience=ISSUER)  # the tool's published key
    assert claims["iss"] == "tool-client-1"
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "deployment_id"] == DEPLOYMENT
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"quizapp_test": "demo-test"}
    assert item["url"] == "https://exam.school.example/lti/launch"
    assert item["lineItem"]["scoreMaximum"] == 100


def test_a_student_cannot_deep_link(platform):
    response = platform.launch(
        **{
            LTI + "message_type": "LtiDeepLinkingRequest",
            DL: {
                "deep_link_return_url": f"{ISSUER}/r",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
            },
        }
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("bad signature", "signature could not be verified"),
        ("wrong audience", "not addressed to a registered LMS"),
        ("expired", "signature could not be verified"),
        ("unknown deployment", "deployment is not registered"),
    ],
)
def test_bad_launches_are_refused_with_a_clear_page(app, platform, case, expected):
    if case == "bad signature":
        response = platform.launch(key=new_key())
    elif case == "wrong audience":
        response = platform.launch(aud="someone-elses-tool")
    elif case == "expired":
        response = platform.launch(exp=int(time.time()) - 600, iat=int(time.time()) - 900)
    else:
        response = platform.launch(**{LTI + "deployment_id": "unknown-deployment"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This launch from your LMS was refused" in page and expected in page
    assert _users(app) == []  # nobody signed in, nothing made


def test_a_replayed_launch_is_refused(app, platform):
    state, nonce = platform.login()
    token = platform.id_token(nonce)
    first = platform.client.post("/lti/launch", data={"state": state, "id_token": token})
    assert first.status_code == 302
    again = platform.client.post("/lti/launch", data={"state": state, "id_token": token})
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)


def test_login_from_an_unregistered_platform_is_refused(platform):
    response = platform.client.post(
        "/lti/login", data={"iss": "https://evil.example", "login_hint": "x", "client_id": "y"}
    )
    assert response.status_code == 400
    assert "not registered" in response.get_data(as_text=True)


def test_launched_pages_may_be_framed_by_the_platform_only(client, platform):
    anonymous = client.get("/")
    assert "frame-ancestors 'none'" in anonymous.headers["Content-Security-Policy"]
    landing = client.get(platform.launch().headers["Location"])
    policy = landing.headers["Content-Security-Policy"]
    assert (
        "frame-ancestors 'self' https://college.lms.example.edu https://lms.example.edu" in policy
    )
    assert "X-Frame-Options" not in landing.headers


def test_a_framed_launch_over_https(app, client, platform):
    login = {"iss": ISSUER, "login_hint": "h", "client_id": "tool-client-1"}
    https = "https://localhost"
    check = client.post("/lti/login", data=login, base_url=https)
    assert check.status_code == 200  # first the cookie check, in the LMS's frame
    page = check.get_data(as_text=True)
    assert "Open it in a new window" in page and "lti1p3_new_window=1" in page
    assert "https://college.lms.example.edu" in check.headers["Content-Security-Policy"]
    redirect = client.post("/lti/login", data=login | {"lti1p3_new_window": "1"}, base_url=https)
    cookies = redirect.headers.getlist("Set-Cookie")
    assert any("lti1p3-session-id" in c and "SameSite=None" in c and "Secure" in c for c in cookies)
    query = parse_qs(urlsplit(redirect.headers["Location"]).query)
    token = platform.id_token(query["nonce"][0])
    launched = client.post(
        "/lti/launch", data={"state": query["state"][0], "id_token": token}, base_url=https
    )
    assert launched.status_code == 302
    session_cookie = [c for c in launched.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "SameSite=None" in session_cookie[0] and "Secure" in session_cookie[0]


def test_a_launch_without_the_login_cookies_is_refused(client, platform):
    state, nonce = platform.login()
    fresh = platform.client.application.test_client()
    response = fresh.post(
        "/lti/launch", data={"state": state, "id_token": platform.id_token(nonce)}
    )
    assert response.status_code == 400
    assert "could not be matched to this browser" in response.get_data(as_text=True)


def test_a_link_opened_without_its_launch_is_not_found(app, platform, make_user):
    platform.launch()
    other = app.test_client()
    AuthActions(other).login(make_user())
    assert other.get("/lti/links/1").status_code == 404


def test_a_launched_test_whose_time_ran_out_posts_its_score_from_the_results_page(
    app, client, platform
):
    landing = client.get(platform.launch().headers["Location"])
    link_id = int(landing.request.path.rsplit("/", 1)[1])
    attempt_id = int(client.post(f"/lti/links/{link_id}/start").headers["Location"].split("/")[2])
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.started_at -= timedelta(hours=5)
        attempt.deadline -= timedelta(hours=5)
        db.session.commit()
    assert client.get(f"/attempts/{attempt_id}/results").status_code == 200
    assert [s["userId"] for s in platform.scores] == ["student-sub-1"]


def test_login_initiation_by_get_works_too(platform):
    response = platform.client.get(
        "/lti/login",
        query_string={"iss": ISSUER, "login_hint": "h", "client_id": "tool-client-1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{ISSUER}/auth?")


def test_post_scores_command_retries_failed_posts(app, client, runner, platform):
    platform.fail_scores = True
    landing = client.get(platform.launch().headers["Location"])
    link_id = int(landing.request.path.rsplit("/", 1)[1])
    attempt_id = int(client.post(f"/lti/links/{link_id}/start").headers["Location"].split("/")[2])
    client.post(f"/attempts/{attempt_id}/submit", data={"section": ""})
    assert platform.scores == []
    platform.fail_scores = False
    result = runner.invoke(args=["lti", "post-scores"])
    assert result.exit_code == 0 and "1 of 1 scores posted" in result.output
    assert len(platform.scores) == 1
    again = runner.invoke(args=["lti", "post-scores"])
    assert "0 of 0 scores posted" in again.output  # never twice
    with app.app_context():
        post = db.session.scalar(sa.select(LtiGradePost))
        assert post.status == GradeStatus.POSTED and post.tries == 2
