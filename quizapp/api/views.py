"""The JSON API: the same services and rules as the HTML pages, answered in JSON.

Every view names its token scope; ownership is in the queries (another user's attempt or
class is a 404); a question carries no key before it is graded; answers use the same
revision compare-and-set and the server's clock (quizapp.exams.services).
"""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, current_app, g, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from quizapp.api import serializers
from quizapp.api.decorators import token_required
from quizapp.api.errors import error_response
from quizapp.api.spec import API_PREFIX, build_spec, operation
from quizapp.banks import manage
from quizapp.banks import services as bank_services
from quizapp.banks.models import Bank
from quizapp.banks.models import Blueprint as TestBlueprint
from quizapp.banks.views import picture_response
from quizapp.classes import reports
from quizapp.classes import services as class_services
from quizapp.exams import services
from quizapp.exams.models import Attempt, Mode
from quizapp.extensions import csrf, db
from quizapp.history import services as history
from quizapp.layout import fixed_url
from quizapp.numbers import parse_whole_number
from quizapp.readiness import services as readiness_services
from quizapp.tokens.models import Scope

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
# Bearer tokens, never cookies, authenticate here: a forged cross-site request carries none.
csrf.exempt(bp)

ATTEMPTS_PER_PAGE = 50
STUDENTS_PER_PAGE = 100
EXPORT_FORMATS = {"yaml": "application/yaml", "gift": "text/plain", "xml": "application/xml"}
OWN = {401: "Error", 403: "Error", 404: "Error", 429: "Error"}


def _now() -> datetime:
    return datetime.now(UTC)


def _grace() -> timedelta:
    return timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])


@bp.after_request
def add_rate_headers(response: Response) -> Response:
    for name, value in getattr(g, "rate_headers", {}).items():
        response.headers[name] = value
    return response


@bp.before_request
def point_pictures_here() -> None:
    """Rendered question texts name their pictures at this API's media route (a token loads
    them there), not at the signed-in pages' /media/."""
    g.media_prefix = fixed_url("api.image", digest="0" * 64)[:-64]


@bp.errorhandler(HTTPException)
def json_error(error: HTTPException):
    return error_response(error.code or 500, error.description or error.name)


def _own_attempt(attempt_id: int) -> Attempt | None:
    attempt = services.get_user_attempt(g.api_user, attempt_id)
    return attempt if attempt is not None and attempt.mode != Mode.ADAPTIVE else None


def _attempt_json(attempt: Attempt, status: int = 200):
    return serializers.attempt(attempt, now=_now()), status


# --- the document and its page --------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    return build_spec(current_app)


@bp.get("/docs")
def docs():
    """The API's reference, rendered on the server from the OpenAPI document (no script)."""
    spec = build_spec(current_app)
    return render_template("api/docs.html", spec=spec)


# --- who and what ----------------------------------------------------------------------


@bp.get("/me")
@token_required(Scope.READ)
@operation("The token's user and scopes", scope=Scope.READ, responses={200: "Me", **OWN})
def me():
    return {
        "id": g.api_user.id,
        "display_name": g.api_user.display_name,
        "role": g.api_user.role,
        "scopes": sorted(g.api_token.scope_set),
    }


@bp.get("/media/<digest>")
@token_required(Scope.READ)
@operation(
    "A question picture (the address in a rendered text's <img src>), with a strong ETag",
    scope=Scope.READ,
    responses={200: "image", 304: None, **OWN},
)
def image(digest: str):
    """The picture, when the token's user may read a question showing it (as on /media/)."""
    return picture_response(g.api_user, digest)


@bp.get("/tests")
@token_required(Scope.READ)
@operation("Practice tests the user may take", scope=Scope.READ, responses={200: "TestList", **OWN})
def tests():
    blueprints = db.session.scalars(bank_services.practice_blueprints_query(g.api_user)).all()
    return {
        "tests": [
            {
                "slug": b.slug,
                "title": b.title,
                "description": b.description,
                "question_count": sum(s["questions"] for s in b.sections),
                "time_limit_minutes": b.time_limit_minutes,
                "passing_percent": b.passing_percent,
            }
            for b in blueprints
        ]
    }


# --- attempts --------------------------------------------------------------------------


@bp.get("/attempts")
@token_required(Scope.READ)
@operation(
    "The user's attempts, newest first",
    scope=Scope.READ,
    query={"before": {"type": "integer", "description": "Only attempts with a smaller id."}},
    responses={200: "AttemptList", **OWN},
)
def attempts():
    before = parse_whole_number(request.args.get("before", ""))
    rows = services.attempts_page(g.api_user, before=before, limit=ATTEMPTS_PER_PAGE)
    more = len(rows) > ATTEMPTS_PER_PAGE
    rows = rows[:ATTEMPTS_PER_PAGE]
    return {
        "attempts": [serializers.attempt(a, now=_now()) for a in rows],
        "next_before": rows[-1].id if more else None,
    }


@bp.post("/attempts")
@token_required(Scope.TAKE_TESTS)
@operation(
    "Start a practice test",
    scope=Scope.TAKE_TESTS,
    body="StartAttempt",
    responses={201: "Attempt", 400: "Error", **OWN},
)
def start_attempt():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("test"), str):
        return error_response(400, 'Send {"test": "<slug>", "mode": "exam" or "tutor"}.')
    mode = body.get("mode", "exam")
    if mode not in (Mode.EXAM, Mode.TUTOR):
        return error_response(400, 'The mode is "exam" or "tutor".')
    blueprint = db.session.scalar(
        bank_services.practice_blueprints_query(g.api_user).where(
            TestBlueprint.slug == body["test"]
        )
    )
    if blueprint is None:
        return error_response(404, "No practice test with that slug is open to you.")
    try:
        attempt = services.start_blueprint_attempt(
            g.api_user,
            blueprint,
            mode=Mode(mode),
            accommodation=class_services.practice_accommodation(g.api_user),
            now=_now(),
        )
    except services.CannotStartError as exc:
        db.session.rollback()
        return error_response(409, str(exc))
    body = serializers.attempt(attempt, now=_now(), slug=blueprint.slug)
    db.session.commit()
    return body, 201


@bp.get("/attempts/<int:attempt_id>")
@token_required(Scope.READ)
@operation("One attempt", scope=Scope.READ, responses={200: "Attempt", **OWN})
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt is None:
        return error_response(404, "No such attempt of yours.")
    if services.expire_if_due(attempt, now=_now(), grace=timedelta(0)):
        db.session.commit()
    return _attempt_json(attempt)


def _closed_response(exc: services.ExamError, attempt: Attempt):
    db.session.commit()  # an expiry the check did stays done
    return error_response(409, str(exc))


@bp.get("/attempts/<int:attempt_id>/questions/<int:position>")
@token_required(Scope.TAKE_TESTS)
@operation(
    "A question of an open attempt (no key before grading)",
    scope=Scope.TAKE_TESTS,
    responses={200: "Question", 409: "Error", **OWN},
)
def question(attempt_id: int, position: int):
    attempt, item = services.get_user_attempt_item(g.api_user, attempt_id, position)
    if attempt is None or item is None or attempt.mode == Mode.ADAPTIVE:
        return error_response(404, "No such question in an attempt of yours.")
    try:
        services.check_open(attempt, now=_now(), grace=timedelta(0), position=position)
    except services.ExamError as exc:
        return _closed_response(exc, attempt)
    services.mark_shown(item, now=_now())
    body = serializers.question(item, tutor=attempt.is_tutor)
    db.session.commit()
    return body


def _answer_values(body) -> MultiDict | None:
    values = body.get("values") if isinstance(body, dict) else None
    if not isinstance(values, dict):
        return None
    pairs = []
    for name, items in values.items():
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            return None
        pairs += [(str(name), v) for v in items]
    return MultiDict(pairs)


@bp.put("/attempts/<int:attempt_id>/questions/<int:position>")
@token_required(Scope.TAKE_TESTS)
@operation(
    "Save an answer (tutor mode grades and locks it unless check is false)",
    scope=Scope.TAKE_TESTS,
    body="Answer",
    responses={200: "Saved", 400: "Error", 409: "Error", **OWN},
)
def answer(attempt_id: int, position: int):
    attempt, item = services.get_user_attempt_item(g.api_user, attempt_id, position)
    if attempt is None or item is None or attempt.mode == Mode.ADAPTIVE:
        return error_response(404, "No such question in an attempt of yours.")
    body = request.get_json(silent=True)
    values = _answer_values(body)
    revision = body.get("revision") if isinstance(body, dict) else None
    flagged = body.get("flagged") if isinstance(body, dict) else None
    check = body.get("check", True) if isinstance(body, dict) else None
    if (
        values is None
        or type(revision) is not int
        or flagged not in (None, True, False)
        or check not in (True, False)
    ):
        return error_response(
            400,
            'Send {"revision": <int>, "values": {"answer": ["<token>"]}, "flagged": <bool>, '
            '"check": <bool>}.',
        )
    try:
        services.save_answer(
            attempt, item, values, revision=revision, now=_now(), grace=_grace(), grade=check
        )
        if flagged is not None:
            services.set_flag(attempt, item, flagged, now=_now(), grace=_grace())
    except (
        services.AttemptExpiredError,
        services.AttemptClosedError,
        services.SectionExpiredError,
        services.SectionLockedError,
    ) as exc:
        return _closed_response(exc, attempt)
    except (services.StaleAnswerError, services.AnswerLockedError) as exc:
        db.session.rollback()
        return error_response(409, str(exc))
    except services.InvalidAnswerError as exc:
        db.session.rollback()
        return error_response(400, str(exc))
    slot = item.slot  # expired by the save: re-read
    graded = attempt.is_tutor and slot.graded
    saved = {
        "revision": slot.revision,
        "graded": graded,
        "score": slot.score if graded else None,
        "incomplete": services.unchecked_reason(item),
        "seconds_left": attempt.seconds_left(_now()),
    }
    db.session.commit()
    return saved


@bp.post("/attempts/<int:attempt_id>/submit")
@token_required(Scope.TAKE_TESTS)
@operation(
    "Submit the test (in a sectioned test: the current section)",
    scope=Scope.TAKE_TESTS,
    responses={200: "Attempt", 409: "Error", **OWN},
)
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt is None:
        return error_response(404, "No such attempt of yours.")
    if not attempt.is_open:
        return error_response(409, "This test is already finished.")
    if attempt.on_break:
        return error_response(409, "The test is on a break: start the next section first.")
    if not services.expire_if_due(attempt, now=_now(), grace=_grace()):
        services.end_section(attempt, now=_now(), reason="submitted")
    body = serializers.attempt(attempt, now=_now())
    db.session.commit()
    return body


@bp.post("/attempts/<int:attempt_id>/next-section")
@token_required(Scope.TAKE_TESTS)
@operation(
    "Start the next section's clock after a break",
    scope=Scope.TAKE_TESTS,
    responses={200: "Attempt", 409: "Error", **OWN},
)
def next_section(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt is None:
        return error_response(404, "No such attempt of yours.")
    if not services.start_section(attempt, now=_now()):
        return error_response(409, "The test is not on a break.")
    body = serializers.attempt(attempt, now=_now())
    db.session.commit()
    return body


@bp.get("/attempts/<int:attempt_id>/results")
@token_required(Scope.READ)
@operation(
    "A finished attempt's results, with the key",
    scope=Scope.READ,
    responses={200: "Results", 409: "Error", **OWN},
)
def results(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt is None:
        return error_response(404, "No such attempt of yours.")
    services.expire_if_due(attempt, now=_now(), grace=timedelta(0))
    db.session.commit()
    if attempt.is_open:
        return error_response(409, "Submit the test to see its results.")
    items = services.load_items(attempt)
    return {
        "attempt": serializers.attempt(attempt, now=_now()),
        "questions": [serializers.result_question(item) for item in items],
        "topics": [
            {"title": t.title, "questions": t.questions, "percent": round(t.percent, 1)}
            for t in services.topic_scores(items)
        ],
    }


# --- progress and readiness ------------------------------------------------------------


@bp.get("/progress")
@token_required(Scope.READ)
@operation(
    "Scores over time and topic mastery", scope=Scope.READ, responses={200: "Progress", **OWN}
)
def progress():
    series = history.score_series(g.api_user.id)
    return {
        "scores": {
            title: [{"finished_at": t.isoformat(), "percent": p} for t, p in points]
            for title, points in series.items()
        },
        "topics": [
            {
                "title": f"{m.bank_title}: {m.topic_title}",
                "answered": m.answered,
                "percent": round(m.percent, 1),
            }
            for m in history.ranked_topics(history.topic_mastery(g.api_user.id))
        ],
    }


@bp.get("/readiness")
@token_required(Scope.READ)
@operation(
    "Estimated chance of passing each test taken",
    scope=Scope.READ,
    responses={200: "Readiness", **OWN},
)
def readiness():
    cards = readiness_services.progress_cards(g.api_user.id, now=_now())
    return {
        "tests": [
            {
                "test": card.readiness.blueprint.slug,
                "title": card.readiness.blueprint.title,
                "answers": card.readiness.answers,
                "pass_probability": (
                    round(card.readiness.result.probability, 3) if card.readiness.result else None
                ),
                "more_answers_needed": card.readiness.more_needed,
                "pool_too_small": card.readiness.pool_too_small,
            }
            for card in cards
        ]
    }


# --- instructors -----------------------------------------------------------------------


@bp.get("/classes")
@token_required(Scope.READ, staff=True)
@operation("The classes the user runs", scope=Scope.READ, responses={200: "ClassList", **OWN})
def classes():
    return {
        "classes": [
            {"id": c.id, "name": c.name, "students": count}
            for c, count in class_services.classes_with_sizes(g.api_user)
        ]
    }


@bp.get("/classes/<int:class_id>/report")
@token_required(Scope.READ, staff=True)
@operation(
    "A class's results per student and test",
    scope=Scope.READ,
    query={"page": {"type": "integer", "minimum": 1}},
    responses={200: "ClassReport", **OWN},
)
def class_report(class_id: int):
    classroom = class_services.managed_class(g.api_user, class_id)
    if classroom is None:
        return error_response(404, "No such class of yours.")
    page = db.paginate(
        class_services.roster_query(classroom),
        page=parse_whole_number(request.args.get("page", "")) or 1,
        per_page=STUDENTS_PER_PAGE,
        error_out=False,
    )
    rows = reports.roster_rows(page.items, reports.roster_results([s.id for s in page.items]))
    return {
        "class": {"id": classroom.id, "name": classroom.name},
        "tests": {
            str(k): v
            for k, v in reports.roster_blueprints(class_services.student_ids(classroom)).items()
        },
        "students": [
            {
                "id": row.student.id,
                "display_name": row.student.display_name,
                "attempts": row.attempts,
                "results": [
                    {
                        "test_id": test_id,
                        "attempts": result.attempts,
                        "best": result.best,
                        "latest": result.latest,
                    }
                    for test_id, result in row.by_blueprint.items()
                ],
            }
            for row in rows
        ],
        "next_page": page.next_num if page.has_next else None,
    }


@bp.get("/banks/<slug>/export")
@token_required(Scope.MANAGE_BANKS, staff=True)
@operation(
    "Export a bank (keys included) as native YAML, GIFT or Moodle XML",
    scope=Scope.MANAGE_BANKS,
    query={"format": {"type": "string", "enum": list(EXPORT_FORMATS), "default": "yaml"}},
    responses={200: "text", 400: "Error", **OWN},
    content_type="text/plain",
)
def export_bank(slug: str):
    fmt = request.args.get("format", "yaml")
    if fmt not in EXPORT_FORMATS:
        return error_response(400, f"The format is one of: {', '.join(EXPORT_FORMATS)}.")
    bank = db.session.scalar(bank_services.visible_banks_query(g.api_user).where(Bank.slug == slug))
    if bank is None:
        return error_response(404, "No bank with that slug is open to you.")
    text, _, skipped = manage.export_bank(bank, fmt)
    response = Response(text, content_type="text/plain; charset=utf-8")
    if skipped:
        response.headers["X-Not-Exported"] = ",".join(skipped)[:1000]
    return response
