"""Who may use each route: every rule in the URL map must be declared here.

A new route without an entry in EXPECTED fails `test_every_route_is_declared`, so nobody can add
a page without saying which roles may use it.
"""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import url_for

from config import TestingConfig
from quizapp import create_app
from quizapp.auth.models import User
from quizapp.banks.loader import BlueprintSection, parse_bank, parse_blueprint
from quizapp.banks.models import Bank, Blueprint, Question
from quizapp.banks.services import create_blueprint, sync_bank, sync_blueprint
from quizapp.exams.models import QuestionReport
from quizapp.extensions import db
from quizapp.readiness.adaptive import start_adaptive_attempt
from quizapp.tokens.services import allowed_scopes, create_token
from tests.conftest import assign_open_test, bank_yaml, blueprint_yaml, pending_upload

ROLES = ("anonymous", "student", "instructor", "admin")


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status, *, anonymous=302):
    """Any signed-in user gets `status`; anonymous users are sent to sign in."""
    return {"anonymous": anonymous, "student": status, "instructor": status, "admin": status}


def only_admin(status):
    return {"anonymous": 302, "student": 403, "instructor": 403, "admin": status}


def staff(status):
    """Instructors and admins; students are refused, anonymous users sent to sign in."""
    return {"anonymous": 302, "student": 403, "instructor": status, "admin": status}


def token(status):
    """API routes: any token holder gets `status`; without a token, 401."""
    return {"anonymous": 401, "student": status, "instructor": status, "admin": status}


def token_staff(status):
    """API routes for instructors and admins; a student's token is refused."""
    return {"anonymous": 401, "student": 403, "instructor": status, "admin": status}


def anonymous_only(status):
    """Pages for signed-out visitors; signed-in users are redirected home."""
    return {"anonymous": status, "student": 302, "instructor": 302, "admin": 302}


# (method, endpoint) -> expected status per role, for the request made by `_request` below.
EXPECTED = {
    ("GET", "static"): everyone(200),
    ("GET", "bootstrap.static"): everyone(200),
    ("GET", "main.index"): everyone(200),
    ("GET", "main.healthz"): everyone(200),
    ("GET", "auth.register"): anonymous_only(200),
    ("POST", "auth.register"): anonymous_only(200),  # empty form: shown again with errors
    ("GET", "auth.login"): anonymous_only(200),
    ("POST", "auth.login"): anonymous_only(200),
    ("POST", "auth.logout"): signed_in(302),
    ("GET", "auth.change_password"): signed_in(200),
    ("POST", "auth.change_password"): signed_in(200),
    ("GET", "auth.forgot_password"): everyone(200),
    ("POST", "auth.forgot_password"): everyone(200),
    ("GET", "auth.reset_password"): everyone(302),  # a forged token goes back with a message
    ("POST", "auth.reset_password"): everyone(302),
    ("GET", "admin.users"): only_admin(200),
    ("POST", "admin.change_role"): only_admin(302),
    ("POST", "admin.issue_reset_link"): only_admin(200),
    ("POST", "admin.change_accommodation"): only_admin(302),
    ("GET", "banks.index"): signed_in(200),
    ("GET", "banks.detail"): signed_in(200),
    ("GET", "banks.questions"): staff(200),
    # A picture no question shows: 404 for everyone (who sees which: tests/banks/test_media.py).
    ("GET", "banks.image"): signed_in(404),
    ("GET", "banks.blueprint"): signed_in(200),
    ("GET", "exams.index"): signed_in(200),
    ("POST", "exams.start"): signed_in(302),
    ("GET", "exams.custom"): signed_in(200),
    ("POST", "exams.custom"): signed_in(200),  # empty form: shown again with errors
    # Attempt routes, each on an attempt of the requesting user (others' are 404: test_exams).
    ("GET", "exams.resume"): signed_in(302),
    ("GET", "exams.question"): signed_in(200),
    ("POST", "exams.answer"): signed_in(302),
    ("POST", "exams.autosave"): signed_in(200),
    ("GET", "exams.report"): signed_in(200),
    ("POST", "exams.report"): signed_in(200),
    ("GET", "exams.review"): signed_in(200),
    ("GET", "exams.confirm_submit"): signed_in(200),
    ("POST", "exams.submit"): signed_in(302),
    ("GET", "exams.section_break"): signed_in(302),  # only between sections
    ("POST", "exams.start_section"): signed_in(302),
    ("GET", "exams.results"): signed_in(302),  # not before it is submitted
    ("POST", "exams.practice_missed"): signed_in(400, anonymous=302),
    # The adaptive readiness check: its own attempt, open, of the requester.
    ("POST", "readiness.start"): signed_in(302),
    ("GET", "readiness.question"): signed_in(200),
    ("POST", "readiness.answer"): signed_in(400, anonymous=302),  # no position: refused
    ("GET", "readiness.results"): signed_in(302),  # not before it ends
    ("GET", "history.dashboard"): signed_in(200),
    ("GET", "history.export"): signed_in(200),
    ("POST", "history.practice_weakest"): signed_in(302),  # nothing weak yet: back with a note
    ("GET", "classes.index"): signed_in(200),
    ("POST", "classes.create"): staff(302),
    ("POST", "classes.join"): {"anonymous": 302, "student": 302, "instructor": 403, "admin": 403},
    ("GET", "classes.confirm_leave"): signed_in(404),  # the requester is not in that class
    ("POST", "classes.leave"): signed_in(404),  # the requester is not in that class
    # A class run by the requester (an instructor), or by someone else (seen by an admin).
    ("GET", "classes.detail"): staff(200),
    ("GET", "classes.confirm_regenerate_code"): staff(200),
    ("POST", "classes.regenerate_code"): staff(302),
    ("GET", "classes.confirm_remove_student"): staff(200),
    ("POST", "classes.remove_student"): staff(302),
    ("POST", "classes.accommodation"): staff(302),
    ("GET", "classes.student"): staff(200),
    ("GET", "classes.export"): staff(200),
    ("GET", "classes.items"): staff(200),
    ("GET", "review.index"): signed_in(200),
    ("POST", "review.start"): signed_in(302),
    ("GET", "review.settings"): signed_in(200),
    ("POST", "review.settings"): signed_in(400, anonymous=302),  # empty form: errors
    ("GET", "review.leeches"): signed_in(200),
    ("POST", "review.drill_leeches"): signed_in(302),
    ("GET", "review.class_leeches"): staff(200),
    ("GET", "review.word_parts"): signed_in(200),
    ("POST", "review.answer_word_part"): signed_in(400, anonymous=302),  # no card named
    ("GET", "banks.items"): staff(200),
    ("GET", "instructor.upload"): staff(200),
    ("POST", "instructor.upload"): staff(200),  # no file: the form again with the error
    ("GET", "instructor.formats"): staff(200),
    # An upload waiting for confirmation, made by the requester.
    ("GET", "instructor.preview"): staff(200),
    ("POST", "instructor.confirm"): staff(302),
    ("POST", "instructor.cancel"): staff(302),
    # The requester's own bank (instructor) or anyone's (admin).
    ("GET", "instructor.settings"): staff(200),
    ("POST", "instructor.settings"): staff(302),  # an empty post keeps the current settings
    ("GET", "instructor.confirm_delete"): staff(200),
    ("POST", "instructor.delete"): staff(302),
    ("GET", "instructor.edit_question"): staff(200),
    ("POST", "instructor.edit_question"): staff(400),  # empty form: shown again with problems
    ("GET", "instructor.edit_question_yaml"): staff(200),
    ("POST", "instructor.edit_question_yaml"): staff(200),
    ("GET", "instructor.new_question"): staff(200),
    ("POST", "instructor.new_question"): staff(400),  # empty form: shown again with problems
    ("POST", "instructor.toggle_retired"): staff(302),
    ("GET", "instructor.export"): staff(200),
    ("GET", "instructor.reports"): staff(200),
    ("POST", "instructor.resolve_report"): staff(302),
    ("GET", "instructor.new_blueprint"): staff(200),
    ("POST", "instructor.new_blueprint"): staff(200),  # empty form: shown again with errors
    ("GET", "instructor.confirm_retire_blueprint"): staff(200),
    ("POST", "instructor.retire_blueprint"): staff(302),
    # Personal access tokens: the settings page, and revoking one of the requester's own.
    ("GET", "tokens.index"): signed_in(200),
    ("POST", "tokens.index"): signed_in(400),  # empty form: shown again with errors
    ("POST", "tokens.revoke"): signed_in(302),
    # The JSON API: a bearer token with every scope the role may grant (none when anonymous).
    ("GET", "api.openapi"): everyone(200),
    ("GET", "api.docs"): everyone(200),
    ("GET", "api.me"): token(200),
    ("GET", "api.tests"): token(200),
    ("GET", "api.attempts"): token(200),
    ("POST", "api.start_attempt"): token(201),
    ("GET", "api.attempt"): token(200),
    ("GET", "api.question"): token(200),
    ("PUT", "api.answer"): token(200),
    ("POST", "api.submit"): token(200),
    ("POST", "api.next_section"): token(409),  # not on a break
    ("GET", "api.results"): token(409),  # not before it is submitted
    ("GET", "api.progress"): token(200),
    ("GET", "api.readiness"): token(200),
    ("GET", "api.classes"): token_staff(200),
    ("GET", "api.class_report"): token_staff(200),
    ("GET", "api.export_bank"): token_staff(200),
    ("GET", "api.image"): token(404),  # no such picture (tests/api: the allowed ones)
    # LTI: the platform's requests (refused here: no valid login or id_token), the tool's keys.
    ("GET", "lti.jwks"): everyone(200),
    ("GET", "lti.login"): everyone(400),
    ("POST", "lti.login"): everyone(400),
    ("POST", "lti.launch"): everyone(400),
    # Pages of a launch: only for a link launched (or a deep link requested) in this session.
    ("GET", "lti.resource"): signed_in(404),
    ("POST", "lti.start"): signed_in(404),
    ("GET", "lti.deep_link"): staff(404),
    ("POST", "lti.deep_link_respond"): staff(400),
    ("POST", "lti.sync_roster"): staff(404),  # no LMS course linked to a class of theirs
    ("POST", "lti.retry_grades"): staff(302),  # the requester's class (any class for admins)
    ("GET", "lti.platforms"): only_admin(200),
    ("POST", "lti.platforms"): only_admin(400),  # empty form: shown again with errors
    ("POST", "lti.delete_platform"): only_admin(404),  # no such platform
    ("POST", "lti.rotate_key"): only_admin(302),
    ("GET", "assignments.new"): staff(200),
    ("POST", "assignments.new"): staff(400),  # empty form: shown again with errors
    # An assignment of a class run by the requester (an instructor), or by someone else.
    ("GET", "assignments.report"): staff(200),
    ("GET", "assignments.export"): staff(200),
    ("GET", "assignments.schedule"): staff(200),
    ("POST", "assignments.schedule"): staff(400),  # empty form: shown again with errors
    ("GET", "assignments.confirm_withdraw"): staff(200),
    ("POST", "assignments.withdraw"): staff(302),
    ("POST", "assignments.start"): signed_in(404),  # the requester is not in that class
    ("POST", "main.read_reply"): signed_in(404),  # a reply to someone else's report
}

# Values for URL parameters; "target" stands for a student account that is not the requester.
URL_VALUES = {
    "static": {"filename": "css/app.css"},
    "bootstrap.static": {"filename": "css/bootstrap.min.css"},
    "auth.reset_password": {"token": "not-a-real-token"},
    "admin.change_role": {"user_id": "target"},
    "admin.issue_reset_link": {"user_id": "target"},
    "admin.change_accommodation": {"user_id": "target"},
    "banks.detail": {"slug": "demo"},
    "banks.questions": {"slug": "demo"},
    "banks.image": {"digest": "0" * 64},
    "banks.blueprint": {"slug": "demo-test"},
    "exams.start": {"slug": "demo-test"},
    "readiness.start": {"slug": "demo-adaptive"},
    **{
        endpoint: {"attempt_id": "own_adaptive"}
        for endpoint in ("readiness.question", "readiness.answer", "readiness.results")
    },
    **{
        endpoint: {"attempt_id": "own_attempt", "position": 1}
        for endpoint in ("exams.question", "exams.answer", "exams.autosave", "exams.report")
    },
    **{
        endpoint: {"attempt_id": "own_attempt"}
        for endpoint in (
            "exams.resume",
            "exams.review",
            "exams.confirm_submit",
            "exams.submit",
            "exams.section_break",
            "exams.start_section",
            "exams.results",
            "exams.practice_missed",
        )
    },
}
URL_VALUES.update(
    {
        endpoint: {"class_id": "class"}
        for endpoint in (
            "classes.leave",
            "classes.confirm_leave",
            "classes.detail",
            "classes.regenerate_code",
            "classes.confirm_regenerate_code",
            "classes.export",
            "classes.items",
            "review.class_leeches",
        )
    }
)
URL_VALUES.update(
    {
        endpoint: {"class_id": "class", "student_id": "enrolled"}
        for endpoint in (
            "classes.remove_student",
            "classes.confirm_remove_student",
            "classes.accommodation",
            "classes.student",
        )
    }
)
URL_VALUES["banks.items"] = {"slug": "demo"}
URL_VALUES.update(
    {
        "tokens.revoke": {"token_id": "own_token"},
        "api.attempt": {"attempt_id": "own_attempt"},
        "api.question": {"attempt_id": "own_attempt", "position": 1},
        "api.answer": {"attempt_id": "own_attempt", "position": 1},
        "api.submit": {"attempt_id": "own_attempt"},
        "api.next_section": {"attempt_id": "own_attempt"},
        "api.results": {"attempt_id": "own_attempt"},
        "api.class_report": {"class_id": "class"},
        "api.export_bank": {"slug": "demo"},
        "api.image": {"digest": "0" * 64},
        "lti.resource": {"link_id": 1},
        "lti.start": {"link_id": 1},
        "lti.sync_roster": {"context_id": 1},
        "lti.retry_grades": {"class_id": "class"},
        "lti.delete_platform": {"platform_id": 1},
    }
)
API_BODIES = {
    "api.start_attempt": {"test": "demo-test"},
    "api.answer": {"revision": 0, "values": {}},
}
URL_VALUES.update(
    {
        endpoint: {"class_id": "class", "assignment_id": "assignment"}
        for endpoint in (
            "assignments.report",
            "assignments.export",
            "assignments.schedule",
            "assignments.confirm_withdraw",
            "assignments.withdraw",
        )
    }
)
URL_VALUES["assignments.start"] = {"assignment_id": "assignment"}
URL_VALUES["main.read_reply"] = {"report_id": "report"}
URL_VALUES.update(
    {
        "instructor.preview": {"pending_id": "pending"},
        "instructor.confirm": {"pending_id": "pending"},
        "instructor.cancel": {"pending_id": "pending"},
        "instructor.settings": {"slug": "own_bank"},
        "instructor.delete": {"slug": "own_bank"},
        "instructor.confirm_delete": {"slug": "own_bank"},
        "instructor.edit_question": {"slug": "own_bank", "external_id": "q1"},
        "instructor.edit_question_yaml": {"slug": "own_bank", "external_id": "q1"},
        "instructor.new_question": {"slug": "own_bank", "question_type": "single_best"},
        "instructor.toggle_retired": {"slug": "own_bank", "external_id": "q1"},
        "instructor.export": {"slug": "demo", "fmt": "gift"},
        "instructor.resolve_report": {"report_id": "report"},
        "instructor.retire_blueprint": {"slug": "own_blueprint"},
        "instructor.confirm_retire_blueprint": {"slug": "own_blueprint"},
    }
)
FORM_DATA = {
    "admin.change_role": {"role": "instructor"},
    "admin.change_accommodation": {"time": "1.5"},
    "exams.start": {"mode": "exam"},
    "exams.answer": {"revision": "0", "action": "save"},
    "exams.autosave": {"revision": "0"},
    "classes.accommodation": {"time": "1.5"},
}


def url_with_real_ids(app, endpoint, requester, teacher, target, *, start_attempt, make_class):
    """The endpoint's URL with its ids naming real objects: the requester's open attempt, the
    teacher's class with the target enrolled, and the staff objects of staff_placeholders."""
    adaptive_blueprint(app)
    placeholders = {
        "target": target.id,
        "own_attempt": start_attempt(requester),
        "class": make_class(teacher, students=(target,)),
        "enrolled": target.id,
        **staff_placeholders(app, requester, teacher, target),
    }
    if "assignment" in URL_VALUES.get(endpoint, {}).values():
        placeholders["assignment"] = assignment_of(app, teacher, placeholders["class"])
    if "own_adaptive" in URL_VALUES.get(endpoint, {}).values():
        placeholders["own_adaptive"] = start_adaptive(app, requester)
    if "own_token" in URL_VALUES.get(endpoint, {}).values():
        placeholders["own_token"] = api_token(app, requester)[0]
    values = {
        key: placeholders.get(value, value) if isinstance(value, str) else value
        for key, value in URL_VALUES.get(endpoint, {}).items()
    }
    with app.test_request_context():
        return url_for(endpoint, **values)


def api_token(app, user) -> tuple[int, str]:
    """A token of `user` with every scope the user may grant: its id and secret."""
    with app.app_context():
        owner = db.session.get(User, user.id)
        scopes = [scope.value for scope in allowed_scopes(owner)]
        token, secret = create_token(owner, "test", scopes, now=datetime.now(UTC))
        db.session.commit()
        return token.id, secret


def assignment_of(app, teacher, class_id) -> int:
    """The demo test assigned to the class, open now and for a week."""
    with app.app_context():
        return assign_open_test(teacher.id, "demo-test", class_id, max_attempts=1)


def adaptive_blueprint(app) -> None:
    """A blueprint on the demo bank that offers the adaptive check."""
    text = blueprint_yaml("demo-adaptive", "demo", 4).replace(
        "sections:", "adaptive: true, sections:"
    )
    with app.app_context():
        sync_blueprint(parse_blueprint(text))
        db.session.commit()


def start_adaptive(app, requester) -> int:
    with app.app_context():
        blueprint = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "demo-adaptive"))
        attempt = start_adaptive_attempt(
            db.session.get(User, requester.id), blueprint, now=datetime.now(UTC)
        )
        db.session.commit()
        return attempt.id


def staff_placeholders(app, requester, teacher, reporter) -> dict:
    """An upload pending for the requester, a bank of the teacher, and a report on it."""
    with app.app_context():
        sync_bank(parse_bank(bank_yaml("owned", 2)), now=datetime.now(UTC), owner_id=teacher.id)
        bank = db.session.scalar(sa.select(Bank).where(Bank.slug == "owned"))
        version_id = db.session.scalar(
            sa.select(Question.current_version_id).where(Question.bank_id == bank.id)
        )
        report = QuestionReport(user_id=reporter.id, version_id=version_id, message="Typo")
        pending = pending_upload(requester.id)
        blueprint = create_blueprint(
            db.session.get(User, teacher.id),
            title="Teacher's quiz",
            description="",
            time_limit_minutes=10,
            passing_percent=70,
            sections=[BlueprintSection("owned", None, 2)],
        )
        db.session.add_all([report, pending])
        db.session.commit()
        return {
            "own_bank": "owned",
            "pending": pending.id,
            "report": report.id,
            "own_blueprint": blueprint.slug,
        }


def _declared_rules():
    app = create_app(TestingConfig)
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.endpoint


def test_every_route_is_declared():
    missing = sorted(set(_declared_rules()) - EXPECTED.keys())
    assert not missing, f"declare who may use these routes in EXPECTED: {missing}"


def test_no_stale_declarations():
    assert not sorted(EXPECTED.keys() - set(_declared_rules()))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "endpoint"), sorted(EXPECTED), ids=lambda v: v)
def test_route_access(
    app,
    client,
    auth,
    make_user,
    make_bank,
    make_blueprint,
    start_attempt,
    make_class,
    method,
    endpoint,
    role,
):
    target = make_user("student")
    make_bank("demo")
    make_blueprint("demo-test", bank="demo")
    requester = make_user("student" if role == "anonymous" else role)
    if role != "anonymous":
        auth.login(requester)
    teacher = requester if role == "instructor" else make_user("instructor")
    url = url_with_real_ids(
        app,
        endpoint,
        requester,
        teacher,
        target,
        start_attempt=start_attempt,
        make_class=make_class,
    )
    if endpoint.startswith("api."):
        secret = api_token(app, requester)[1] if role != "anonymous" else None
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        response = client.open(url, method=method, json=API_BODIES.get(endpoint), headers=headers)
    else:
        response = client.open(url, method=method, data=FORM_DATA.get(endpoint, {}))
    response.close()
    expected = EXPECTED[(method, endpoint)][role]
    assert response.status_code == expected, f"{method} {url} as {role}"
    if expected == 302 and role == "anonymous" and EXPECTED[(method, endpoint)]["admin"] != 302:
        assert response.headers["Location"].startswith("/login?next=")
