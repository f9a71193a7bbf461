"""The JSON API: the same rules as the HTML pages, every response checked against the
OpenAPI document it serves."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from quizapp.auth.models import User
from quizapp.banks.loader import BlueprintSection, parse_bank, parse_blueprint
from quizapp.banks.services import create_blueprint, sync_bank, sync_blueprint
from quizapp.classes.models import Classroom
from quizapp.classes.services import join_class
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts
from quizapp.tokens.models import ApiToken
from quizapp.tokens.services import count_request, hash_secret
from tests.banks.test_media import load as load_picture_bank
from tests.exams.conftest import MIXED_BANK, MIXED_BLUEPRINT, correct_form, slots


@pytest.fixture
def mixed(app):
    with app.app_context():
        sync_bank(parse_bank(MIXED_BANK), now=datetime.now(UTC))
        sync_blueprint(parse_blueprint(MIXED_BLUEPRINT))
        db.session.commit()
    return "mixed-test"


def test_the_document_is_valid_openapi_3_1_and_covers_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    documented = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    routes = {
        (
            method,
            rule.rule.removeprefix("/api/v1")
            .replace("<int:", "{")
            .replace("<", "{")
            .replace(">", "}"),
        )
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi", "api.docs")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented


def test_docs_page_lists_every_operation(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "POST /api/v1/attempts</code>" in page
    assert "PUT /api/v1/attempts/{attempt_id}/questions/{position}" in page


def test_without_a_valid_token_every_call_is_401(api_as, make_user):
    anonymous = api_as(None)
    response = anonymous.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    anonymous.secret = "qz_forged-token-value"
    assert anonymous.get("/api/v1/attempts").status_code == 401


def test_take_a_test_through_the_api(api_as, make_user, mixed):
    student = api_as(make_user(), ("read", "take-tests"))
    assert mixed in [t["slug"] for t in student.get("/api/v1/tests").json["tests"]]
    started = student.post("/api/v1/attempts", json={"test": mixed, "mode": "exam"})
    assert started.status_code == 201
    attempt = started.json
    assert attempt["status"] == "in_progress" and attempt["positions"][0] == 1

    for position in attempt["positions"]:
        url = f"/api/v1/attempts/{attempt['id']}/questions/{position}"
        question = student.get(url).json
        text = json.dumps(question)
        assert "RATIONALE" not in text and "key" not in question  # no key before grading
        if question["type"] == "single_best":
            token = question["presentation"]["choices"][0][0]
            saved = student.put(  # with fields a client must not set: ignored
                url,
                json={
                    "revision": question["revision"],
                    "values": {"answer": [token]},
                    "score": 1,
                    "status": "finished",
                },
            )
            assert saved.status_code == 200 and saved.json["revision"] == question["revision"] + 1
            assert saved.json["graded"] is False and saved.json["score"] is None
            stale = student.put(
                url, json={"revision": question["revision"], "values": {"answer": [token]}}
            )
            assert stale.status_code == 409  # the same compare-and-set as the form
            assert student.get(url).json["values"] == {"answer": [token]}
            bad = student.put(
                url, json={"revision": saved.json["revision"], "values": {"answer": ["nope"]}}
            )
            assert bad.status_code == 400
    early = student.get(f"/api/v1/attempts/{attempt['id']}/results")
    assert early.status_code == 409  # no key before the test is submitted

    finished = student.post(f"/api/v1/attempts/{attempt['id']}/submit")
    assert finished.status_code == 200 and finished.json["status"] == "finished"
    assert student.post(f"/api/v1/attempts/{attempt['id']}/submit").status_code == 409
    results = student.get(f"/api/v1/attempts/{attempt['id']}/results").json
    one_right = round(100 / attempt["question_count"], 2)
    assert results["attempt"]["percent"] in (0.0, one_right)  # the sent "score" was ignored
    assert any("RATIONALE" in q["rationale"] for q in results["questions"])
    late = student.put(
        f"/api/v1/attempts/{attempt['id']}/questions/1", json={"revision": 5, "values": {}}
    )
    assert late.status_code == 409
    listed = student.get("/api/v1/attempts").json["attempts"]
    assert [a["id"] for a in listed] == [attempt["id"]]
    assert student.get("/api/v1/progress").status_code == 200
    assert student.get("/api/v1/readiness").status_code == 200


def test_tutor_mode_grades_on_save(api_as, make_user, mixed):
    student = api_as(make_user())
    attempt = student.post("/api/v1/attempts", json={"test": mixed, "mode": "tutor"}).json
    for position in attempt["positions"]:
        url = f"/api/v1/attempts/{attempt['id']}/questions/{position}"
        question = student.get(url).json
        if question["type"] == "true_false":
            token = (
                question["presentation"]["choices"][0][0] if question["presentation"] else "true"
            )
            saved = student.put(
                url, json={"revision": 0, "values": {"answer": [token]}, "flagged": True}
            )
            assert saved.status_code == 200 and saved.json["graded"] is True
            assert saved.json["score"] in (0.0, 1.0)
            again = student.get(url).json
            assert again["flagged"] is True and again["graded"] is True
            locked = student.put(
                url, json={"revision": saved.json["revision"], "values": {"answer": [token]}}
            )
            assert locked.status_code == 409


def test_tutor_mode_saves_open_with_check_false_and_grades_on_a_later_check(
    api_as, make_user, mixed
):
    student = api_as(make_user())
    attempt = student.post("/api/v1/attempts", json={"test": mixed, "mode": "tutor"}).json
    urls = [f"/api/v1/attempts/{attempt['id']}/questions/{p}" for p in attempt["positions"]]
    url, question = next(
        (url, question)
        for url in urls
        if (question := student.get(url).json)["type"] == "single_best"
    )
    first, second = (token for token, _text in question["presentation"]["choices"][:2])
    saved = student.put(url, json={"revision": 0, "values": {"answer": [first]}, "check": False})
    assert saved.status_code == 200, saved.json
    assert saved.json["graded"] is False and saved.json["score"] is None
    shown = student.get(url).json
    assert shown["graded"] is False and shown["score"] is None and shown["values"]
    changed = student.put(
        url, json={"revision": saved.json["revision"], "values": {"answer": [second]}}
    )
    assert changed.status_code == 200 and changed.json["graded"] is True
    assert student.put(url, json={"revision": 0, "values": {}, "check": "yes"}).status_code == 400


def test_the_deadline_is_the_servers(app, api_as, make_user, mixed, start_attempt):
    user = make_user()
    student = api_as(user)
    attempt_id = start_attempt(user, mixed, now=datetime.now(UTC) - timedelta(hours=5))
    response = student.put(
        f"/api/v1/attempts/{attempt_id}/questions/1", json={"revision": 0, "values": {}}
    )
    assert response.status_code == 409 and "Time is up" in response.json["message"]
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "finished"


def test_another_users_attempt_is_not_found(api_as, make_user, mixed, start_attempt):
    owner, other = make_user(), make_user()
    attempt_id = start_attempt(owner, mixed)
    intruder = api_as(other)
    assert intruder.get(f"/api/v1/attempts/{attempt_id}").status_code == 404
    assert intruder.get(f"/api/v1/attempts/{attempt_id}/questions/1").status_code == 404
    put = intruder.put(
        f"/api/v1/attempts/{attempt_id}/questions/1", json={"revision": 0, "values": {}}
    )
    assert put.status_code == 404
    assert intruder.post(f"/api/v1/attempts/{attempt_id}/submit").status_code == 404
    assert intruder.get(f"/api/v1/attempts/{attempt_id}/results").status_code == 404


@pytest.fixture
def class_picture(app, make_user, make_class):
    """A class bank with a picture, its practice test, and the class's teacher and students:
    {"digest", "test", "teacher", "enrolled", "classmate"}."""
    teacher, enrolled, classmate = make_user("instructor"), make_user(), make_user()
    make_class(teacher, students=(enrolled, classmate))
    digest = load_picture_bank(
        app, "class-pics", "green", owner_id=teacher.id, visibility="classes"
    )
    with app.app_context():
        test = create_blueprint(
            db.session.get(User, teacher.id),
            title="Strips quiz",
            description="",
            time_limit_minutes=10,
            passing_percent=70,
            sections=[BlueprintSection("class-pics", None, 2)],
        )
        db.session.commit()
        slug = test.slug
    return {
        "digest": digest,
        "test": slug,
        "teacher": teacher,
        "enrolled": enrolled,
        "classmate": classmate,
    }


def test_a_token_loads_the_pictures_of_its_own_attempt_and_no_others(
    api_as, start_attempt, class_picture
):
    digest = class_picture["digest"]
    url = f"/api/v1/media/{digest}"
    attempt_id = start_attempt(class_picture["enrolled"], class_picture["test"])
    taker, student = api_as(class_picture["enrolled"]), api_as(class_picture["enrolled"], ("read",))
    texts = [
        taker.get(f"/api/v1/attempts/{attempt_id}/questions/{position}").get_data(as_text=True)
        for position in (1, 2)
    ]
    stems = [json.loads(text)["stem"] for text in texts]
    assert any(f'src="{url}"' in stem for stem in stems)  # p1 shows it in its stem
    assert all('"/media/' not in text for text in texts)  # no session-only address
    picture = student.get(url)
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.data.startswith(b"\x89PNG")
    assert picture.headers["ETag"] == f'"{digest}"'
    assert picture.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    again = student.client.get(
        url, headers={"Authorization": f"Bearer {student.secret}", "If-None-Match": f'"{digest}"'}
    )
    assert again.status_code == 304 and again.data == b""
    # A classmate without an attempt at it: as if it did not exist; no token: 401.
    assert api_as(class_picture["classmate"]).get(url).status_code == 404
    assert api_as(class_picture["enrolled"]).get("/api/v1/media/" + "0" * 64).status_code == 404
    assert api_as(class_picture["enrolled"]).get("/api/v1/media/not-a-digest").status_code == 404
    assert api_as(None).get(url).status_code == 401
    # The bank's owner sees it through their banks, as on /media/.
    assert api_as(class_picture["teacher"]).get(url).status_code == 200


def test_scopes_and_roles_are_enforced(api_as, make_user, mixed):
    student = make_user()
    reader = api_as(student, ("read",))
    refused = reader.post("/api/v1/attempts", json={"test": mixed})
    assert refused.status_code == 403 and "take-tests" in refused.json["message"]
    assert reader.get("/api/v1/classes").status_code == 403  # students run no class
    taker = api_as(student, ("take-tests",))
    assert taker.get("/api/v1/me").status_code == 403


def test_instructor_reports_and_export(
    api_as, make_user, make_class, make_bank, start_attempt, mixed
):
    teacher, student, stranger = make_user("instructor"), make_user(), make_user("instructor")
    class_id = make_class(teacher, students=(student,))
    make_bank("demo")
    staff = api_as(teacher, ("read", "manage-banks"))
    listed = staff.get("/api/v1/classes").json["classes"]
    assert listed == [{"id": class_id, "name": "MA 101", "students": 1}]
    report = staff.get(f"/api/v1/classes/{class_id}/report").json
    assert [s["id"] for s in report["students"]] == [student.id]
    assert api_as(stranger).get(f"/api/v1/classes/{class_id}/report").status_code == 404
    exported = staff.get("/api/v1/banks/demo/export", query={"format": "gift"})
    assert exported.status_code == 200 and "::" in exported.get_data(as_text=True)
    assert staff.get("/api/v1/banks/demo/export", query={"format": "pdf"}).status_code == 400
    assert api_as(teacher, ("read",)).get("/api/v1/banks/demo/export").status_code == 403


def test_rate_limit_per_token(app, api_as, make_user):
    app.config["API_RATE_LIMIT"] = 3
    student = api_as(make_user())
    statuses = [student.get("/api/v1/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    last = student.get("/api/v1/me")
    assert int(last.headers["Retry-After"]) >= 1
    other = api_as(make_user())
    assert other.get("/api/v1/me").status_code == 200  # per token, not global


@pytest.mark.usefixtures("app_ctx")
def test_the_window_restarts_after_it_ends(make_user, make_token):
    user = make_user()
    secret = make_token(user)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    window = timedelta(seconds=60)
    decisions = [count_request(token, now=start, limit=2, window=window) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[2].reset_seconds == 60
    later = count_request(token, now=start + timedelta(seconds=61), limit=2, window=window)
    assert later.allowed and later.remaining == 1


def test_tokens_page_shows_the_secret_once_and_stores_only_its_hash(app, client, auth, make_user):
    user = make_user()
    auth.login(user)
    page = client.post("/settings/tokens", data={"name": "phone", "scopes": ["read"]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = html.split('id="new-token"')[1].split('value="')[1].split('"')[0]
    assert secret.startswith("qz_")
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.token_hash == hash_secret(secret) and secret not in token.token_hash
        token_id = token.id
    assert secret not in client.get("/settings/tokens").get_data(as_text=True)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json["scopes"] == ["read"]
    assert client.post(f"/settings/tokens/{token_id}/revoke").status_code == 302
    again = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert again.status_code == 401


def test_a_new_password_revokes_the_accounts_tokens(app, client, auth, make_user, make_token):
    user, other = make_user(), make_user()
    secret, others = make_token(user), make_token(other)
    auth.login(user)
    new_password = "a brand new passphrase"
    client.post(
        "/account/password",
        data={
            "current_password": user.password,
            "new_password": new_password,
            "confirm_password": new_password,
        },
    )
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {others}"}).status_code == 200
    )
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))


def test_a_student_cannot_grant_bank_export(client, auth, make_user):
    auth.login(make_user())
    page = client.post("/settings/tokens", data={"name": "x", "scopes": ["manage-banks"]})
    assert page.status_code == 400 and "qz_" not in page.get_data(as_text=True)


def test_nobody_revokes_anothers_token(app, client, auth, make_user, make_token):
    owner, other = make_user(), make_user()
    secret = make_token(owner)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    auth.login(other)
    assert client.post(f"/settings/tokens/{token_id}/revoke").status_code == 404
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )


def test_api_queries_do_not_grow_with_the_data(
    app, api_as, make_user, make_class, mixed, start_attempt, count_queries
):
    teacher, student = make_user("instructor"), make_user()
    class_id = make_class(teacher, students=(student,))
    student_api, teacher_api = api_as(student), api_as(teacher)
    digest = load_picture_bank(app, "shipped-pics", "red")
    urls = [
        (student_api, f"/api/v1/media/{digest}"),
        (student_api, "/api/v1/attempts"),
        (student_api, "/api/v1/tests"),
        (student_api, "/api/v1/progress"),
        (teacher_api, "/api/v1/classes"),
        (teacher_api, f"/api/v1/classes/{class_id}/report"),
    ]

    def counts():
        measured = []
        for api, url in urls:
            with count_queries() as statements:
                assert api.get(url).status_code == 200, url
            measured.append(len(statements))
        return measured

    with app.app_context():
        seed_attempts([student.id], attempts_each=2)
    small = counts()
    others = [make_user() for _ in range(12)]
    make_class(teacher, students=tuple(others), name="MA 102")
    with app.app_context():
        code = db.session.get(Classroom, class_id).join_code
        for other in others:
            join_class(db.session.get(User, other.id), code)
        seed_attempts([student.id] + [o.id for o in others], attempts_each=60)
    assert counts() == small


def test_every_documented_operation_answers_as_documented(
    app, client, openapi, api_as, make_user, make_class, make_bank, make_blueprint, start_attempt
):
    """Walk the document itself: each operation with valid values, without a token, and with
    an empty body where one is required; ApiClient fails on any undocumented status or body."""
    teacher = make_user("instructor")
    make_bank("demo")
    make_blueprint("demo-test", bank="demo")
    class_id = make_class(teacher)
    attempt_id = start_attempt(teacher)
    staff = api_as(teacher, ("read", "take-tests", "manage-banks"))
    anonymous = api_as(None)
    digest = load_picture_bank(app, "shipped-pics", "red")  # a shipped bank's: anyone's
    values = {
        "attempt_id": attempt_id,
        "position": 1,
        "class_id": class_id,
        "slug": "demo",
        "digest": digest,
    }
    bodies = {"StartAttempt": {"test": "demo-test"}, "Answer": {"revision": 0, "values": {}}}
    document = client.get("/api/v1/openapi.json").get_json()
    operations = [
        (path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()
    ]
    # Submitting ends the attempt the others use, and results need it ended: last.
    last = {"submit": 1, "results": 2}
    operations.sort(key=lambda item: last.get(item[2]["operationId"], 0))
    for path, method, op in operations:
        url = "/api/v1" + re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), path)
        body = None
        if "requestBody" in op:
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            body = bodies[ref.rsplit("/", 1)[1]]
            empty = staff.open(method.upper(), url, json={})
            assert empty.status_code == 400, (method, path)
        response = staff.open(method.upper(), url, json=body)
        assert str(response.status_code) in op["responses"], (method, path)
        expected = 409 if op["operationId"] == "next_section" else None  # not on a break
        assert response.status_code < 400 or response.status_code == expected, (method, path)
        refused = anonymous.open(method.upper(), url, json=body)
        assert refused.status_code == 401, (method, path)


def test_right_answers_of_every_question_type_score_full_marks(app, api_as, make_user, mixed):
    student = api_as(make_user())
    attempt = student.post("/api/v1/attempts", json={"test": mixed}).json
    with app.app_context():
        answers = {
            slot.position: (slot.revision, correct_form(slot).to_dict(flat=False))
            for slot in slots(attempt["id"])
        }
    types = set()
    for position, (revision, values) in answers.items():
        url = f"/api/v1/attempts/{attempt['id']}/questions/{position}"
        types.add(student.get(url).json["type"])
        saved = student.put(url, json={"revision": revision, "values": values})
        assert saved.status_code == 200, (position, saved.json)
    assert types >= {"single_best", "multiple_response", "true_false", "matching", "ordering"}
    finished = student.post(f"/api/v1/attempts/{attempt['id']}/submit").json
    assert finished["percent"] == 100.0 and finished["passed"] is True


@pytest.mark.parametrize("mode", ["exam", "tutor"])
def test_unfinished_answers_are_saved_as_sent_and_graded_as_they_stand(
    api_as, make_user, mixed, mode
):
    """The same partial answers as the take page: an order with an item left out and two in
    one position, a matching question with a blank; in tutor mode they wait, unchecked and
    unlocked, until they are complete."""
    student = api_as(make_user())
    attempt = student.post("/api/v1/attempts", json={"test": mixed, "mode": mode}).json
    questions = {}
    for position in attempt["positions"]:
        url = f"/api/v1/attempts/{attempt['id']}/questions/{position}"
        questions[student.get(url).json["type"]] = url
    order_url, match_url = questions["ordering"], questions["matching"]
    tokens = [token for token, _ in student.get(order_url).json["presentation"]["items"]]
    partial = {f"rank-{tokens[0]}": ["1"], f"rank-{tokens[1]}": ["1"]}
    saved = student.put(order_url, json={"revision": 0, "values": partial})
    assert saved.status_code == 200, saved.json
    assert saved.json["graded"] is False and saved.json["score"] is None
    assert saved.json["incomplete"] == "Give every item a different position from 1 to 3."
    question = student.get(order_url).json
    assert question["values"] == partial and question["graded"] is False
    matches = student.get(match_url).json["presentation"]["matches"]
    blank = {"match-0": [matches[0][0]], "match-1": [""]}
    saved_match = student.put(match_url, json={"revision": 0, "values": blank})
    assert saved_match.status_code == 200
    assert saved_match.json["incomplete"] == "Choose a match for every item."
    assert saved_match.json["graded"] is False
    assert student.get(match_url).json["values"] == {"match-0": [matches[0][0]]}
    if mode == "tutor":  # completed, the order is checked
        complete = {f"rank-{token}": [str(n)] for n, token in enumerate(tokens, start=1)}
        checked = student.put(order_url, json={"revision": 1, "values": complete})
        assert checked.json["graded"] is True and checked.json["incomplete"] is None
        return
    student.post(f"/api/v1/attempts/{attempt['id']}/submit")
    results = student.get(f"/api/v1/attempts/{attempt['id']}/results").json["questions"]
    order = next(q for q in results if q["position"] == question["position"])
    assert order["score"] == pytest.approx(1 / 3)  # the tied pair counts once, the third is out
    assert "no position:" in order["your_answer"]
