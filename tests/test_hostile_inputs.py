"""No 500 on any input: every route, as every role, with hostile values in every parameter.

The walker builds real objects for each role (attempts, a class, an owned bank, an upload, a
report), then requests every rule of the URL map with each path parameter, and each query and
form parameter, replaced in turn by a hostile value while the others stay valid, so that the
hostile value gets as deep into the view as it can. Any 5xx, or any exception the test client
passes through, fails the test.

The query and form parameters of a view are found in its source (`request.args`/`request.form`
reads and the fields of the forms it builds) plus the ones ROUTES declares it reads through
helpers, services or question types. A new route without an entry in ROUTES fails
`test_every_route_is_walked`, so the walker cannot silently miss it.
"""

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from itertools import count
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from wtforms import FieldList, FormField

from config import TestingConfig
from quizapp import create_app
from quizapp.auth import services as auth_services
from quizapp.auth.models import User
from quizapp.banks.loader import BlueprintSection, parse_bank, parse_blueprint
from quizapp.banks.models import Bank, Blueprint, Question
from quizapp.banks.services import create_blueprint, sync_bank, sync_blueprint
from quizapp.classes.models import Classroom
from quizapp.exams.models import Attempt, QuestionReport
from quizapp.exams.services import finish_attempt
from quizapp.extensions import db
from quizapp.readiness.adaptive import start_adaptive_attempt
from quizapp.tokens.services import allowed_scopes, create_token
from tests.conftest import DEFAULT_PASSWORD, assign_open_test, pending_upload
from tests.exams.conftest import MIXED_BANK, MIXED_BLUEPRINT, slots

ROLES = ("anonymous", "student", "instructor", "admin")

HOSTILE_VALUES = (
    "²",  # str.isdigit() is true, int() refuses it
    "٣",  # int() reads it as 3
    "①",
    str(2**63),  # past SQLite's and PostgreSQL's BIGINT
    str(2**64),
    "-1",
    "0",
    "",
    "x" * 10_240,
    "abc",
    "\x00",
    "1\x002",
)
#: Repeated keys: a list where the view expects one value, and the other way round.
HOSTILE_LISTS = (["1", "2"], ["²", "abc"])
#: Shapes some parameters' values take, filled with each hostile value.
VALUE_SHAPES = {"action": ("goto-{}",)}
#: A parameter no view reads, sent with every route's valid values.
UNEXPECTED = {"unexpected": ["²", "x" * 10_240]}

NEW_PASSWORD = "another horse battery staple"
UPLOAD = b"::q1:: Is this a test? {TRUE}\n"
MIXED_POSITIONS = (1, 2, 3, 4, 5, 6)
MIXED_ADAPTIVE_BLUEPRINT = MIXED_BLUEPRINT.replace("id: mixed-test", "id: mixed-adaptive").replace(
    "sections:", "adaptive: true, sections:"
)


@dataclass
class World:
    """The objects a walk's requests name, made for one requesting role."""

    objects: dict[str, object]
    app: object
    numbers: Iterator[int] = field(default_factory=lambda: count(1))

    def __getitem__(self, name):
        return self.objects[name]

    def fresh(self, template: str) -> str:
        return template.format(next(self.numbers))

    def revision(self, position: int) -> str:
        with self.app.app_context():
            return str(slots(self["own_attempt"])[position - 1].revision)

    def answer_fields(self, position: int) -> tuple[str, ...]:
        """The form fields the question at `position` of the open attempt reads."""
        with self.app.app_context():
            slot = slots(self["own_attempt"])[position - 1]
            if slot.version.type == "ordering":
                return tuple(f"rank-{token}" for token in slot.layout["tokens"])
            if slot.version.type == "matching":
                return tuple(f"match-{n}" for n in range(len(slot.version.content["prompts"])))
            return ("answer",)


Values = dict[str, object]


@dataclass(frozen=True)
class Route:
    """How the walker reaches one endpoint with real objects, and what else the view reads."""

    #: Path parameters: a value, a World object's name, or a tuple of values to walk each of.
    path: dict[str, object] = field(default_factory=dict)
    #: Valid values of the view's form and query parameters, given the World and path values.
    baseline: Callable[[World, Values], Values] = lambda world, path: {}
    #: Parameters read where the view's own source does not name them (helpers, services).
    reads: Callable[[World, Values], tuple[str, ...]] = lambda world, path: ()


def _valid(values: Values) -> Callable[[World, Values], Values]:
    return lambda world, path: values


def _reads(*names: str) -> Callable[[World, Values], tuple[str, ...]]:
    return lambda world, path: names


# The search and page number a redirect back to the users list keeps (admin._back_to_list).
BACK_TO_USERS = _reads("q", "page")
ATTEMPT_QUESTION = {"attempt_id": "own_attempt", "position": MIXED_POSITIONS}

ROUTES: dict[str, Route] = {
    "bootstrap.static": Route(path={"filename": "css/bootstrap.min.css"}),
    "main.index": Route(),
    "main.healthz": Route(),
    "auth.register": Route(
        baseline=lambda world, path: {
            "email": world.fresh("new{}@example.org"),
            "display_name": "New student",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        }
    ),
    "auth.login": Route(
        baseline=lambda world, path: {
            "email": world["requester_email"],
            "password": DEFAULT_PASSWORD,
        }
    ),
    "auth.logout": Route(),
    "auth.change_password": Route(
        baseline=_valid(
            {
                "current_password": DEFAULT_PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD,
            }
        )
    ),
    "auth.forgot_password": Route(baseline=lambda world, path: {"email": world["target_email"]}),
    "auth.reset_password": Route(
        path={"token": "reset_token"},
        baseline=_valid({"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}),
    ),
    "admin.users": Route(baseline=_valid({"q": "student"}), reads=_reads("page")),
    "admin.change_role": Route(
        path={"user_id": "target"}, baseline=_valid({"role": "student"}), reads=BACK_TO_USERS
    ),
    "admin.issue_reset_link": Route(path={"user_id": "target"}, reads=BACK_TO_USERS),
    "admin.change_accommodation": Route(
        path={"user_id": "target"}, baseline=_valid({"time": "standard"}), reads=BACK_TO_USERS
    ),
    "banks.index": Route(),
    "banks.detail": Route(path={"slug": "mixed"}),
    "banks.questions": Route(path={"slug": "own_bank"}, reads=_reads("page")),
    "banks.image": Route(path={"digest": "0" * 64}),
    "banks.blueprint": Route(path={"slug": "mixed-test"}),
    "banks.items": Route(path={"slug": "own_bank"}),
    "exams.index": Route(),
    "exams.start": Route(path={"slug": "mixed-test"}, baseline=_valid({"mode": "exam"})),
    "exams.custom": Route(
        baseline=_valid({"topics": ["mixed"], "count": "5", "pool": "all", "mode": "exam"})
    ),
    "exams.resume": Route(path={"attempt_id": "own_attempt"}),
    "exams.question": Route(path=ATTEMPT_QUESTION),
    "exams.answer": Route(
        path=ATTEMPT_QUESTION,
        baseline=lambda world, path: {
            "revision": world.revision(path["position"]),
            "action": "save",
        },
        reads=lambda world, path: world.answer_fields(path["position"]),
    ),
    "exams.autosave": Route(
        path=ATTEMPT_QUESTION,
        baseline=lambda world, path: {"revision": world.revision(path["position"])},
        reads=lambda world, path: world.answer_fields(path["position"]),
    ),
    "exams.report": Route(
        path={"attempt_id": "own_attempt", "position": 1}, baseline=_valid({"message": "Typo"})
    ),
    "exams.review": Route(path={"attempt_id": "own_attempt"}),
    "exams.submit": Route(path={"attempt_id": "own_attempt"}, reads=_reads("section")),
    "exams.confirm_submit": Route(path={"attempt_id": "own_attempt"}),
    "exams.section_break": Route(path={"attempt_id": "own_attempt"}),
    "exams.start_section": Route(path={"attempt_id": "own_attempt"}),
    "exams.results": Route(path={"attempt_id": "finished_attempt"}),
    "exams.practice_missed": Route(
        path={"attempt_id": "finished_attempt"}, baseline=_valid({"mode": "tutor"})
    ),
    "readiness.start": Route(path={"slug": "mixed-adaptive"}),
    "readiness.question": Route(path={"attempt_id": "own_adaptive"}),
    "readiness.answer": Route(
        path={"attempt_id": "own_adaptive"},
        baseline=_valid({"position": "1", "revision": "0"}),
        reads=_reads("answer", "match-0", "match-1"),
    ),
    "readiness.results": Route(path={"attempt_id": "own_adaptive"}),
    "history.dashboard": Route(reads=_reads("page")),
    "history.export": Route(),
    "history.practice_weakest": Route(),
    "classes.index": Route(),
    "classes.create": Route(baseline=_valid({"name": "MA 102"})),
    "classes.join": Route(baseline=lambda world, path: {"code": world["join_code"]}),
    "classes.leave": Route(path={"class_id": "class"}),
    "classes.confirm_leave": Route(path={"class_id": "class"}),
    "classes.detail": Route(path={"class_id": "class"}),
    "classes.regenerate_code": Route(path={"class_id": "class"}),
    "classes.confirm_regenerate_code": Route(path={"class_id": "class"}),
    "classes.remove_student": Route(path={"class_id": "class", "student_id": "target"}),
    "classes.confirm_remove_student": Route(path={"class_id": "class", "student_id": "target"}),
    "classes.accommodation": Route(
        path={"class_id": "class", "student_id": "target"}, baseline=_valid({"time": "standard"})
    ),
    "classes.student": Route(
        path={"class_id": "class", "student_id": "target"}, reads=_reads("page")
    ),
    "classes.export": Route(path={"class_id": "class"}),
    "classes.items": Route(path={"class_id": "class"}),
    "review.index": Route(),
    "review.start": Route(),
    "review.settings": Route(
        baseline=_valid(
            {"daily_goal": "30", "desired_retention": "0.9", "exam_date": "", "show_plan": "y"}
        )
    ),
    "review.leeches": Route(),
    "review.drill_leeches": Route(),
    "review.class_leeches": Route(path={"class_id": "class"}),
    "review.word_parts": Route(),
    "review.answer_word_part": Route(
        baseline=_valid({"word_part_id": "1", "direction": "meaning", "answer": "slow"})
    ),
    "instructor.upload": Route(
        baseline=lambda world, path: {"file": (BytesIO(UPLOAD), "upload.gift"), "title": "Up"}
    ),
    "instructor.preview": Route(path={"pending_id": "pending"}),
    "instructor.confirm": Route(path={"pending_id": "pending"}),
    "instructor.cancel": Route(path={"pending_id": "pending"}),
    "instructor.settings": Route(
        path={"slug": "own_bank"}, baseline=_valid({"title": "Owned", "visibility": "public"})
    ),
    "instructor.delete": Route(path={"slug": "own_bank"}),
    "instructor.confirm_delete": Route(path={"slug": "own_bank"}),
    "instructor.edit_question": Route(path={"slug": "own_bank", "external_id": "sb"}),
    "instructor.edit_question_yaml": Route(path={"slug": "own_bank", "external_id": "sb"}),
    "instructor.new_question": Route(path={"slug": "own_bank", "question_type": "single_best"}),
    "instructor.toggle_retired": Route(path={"slug": "own_bank", "external_id": "sb"}),
    "instructor.reports": Route(),
    "instructor.resolve_report": Route(path={"report_id": "report"}),
    "instructor.formats": Route(),
    "instructor.export": Route(path={"slug": "own_bank", "fmt": "gift"}),
    "instructor.new_blueprint": Route(
        baseline=_valid(
            {
                "title": "Quiz",
                "time_limit_minutes": "10",
                "passing_percent": "70",
                "sections-0-source": "mixed",
                "sections-0-questions": "2",
            }
        )
    ),
    "instructor.retire_blueprint": Route(path={"slug": "own_blueprint"}),
    "instructor.confirm_retire_blueprint": Route(path={"slug": "own_blueprint"}),
    "tokens.index": Route(baseline=_valid({"name": "Phone", "scopes": "read"})),
    "tokens.revoke": Route(path={"token_id": "own_token"}),
    # The API reads JSON bodies (hostile form values must still not break it) and a token.
    "api.openapi": Route(),
    "api.docs": Route(),
    "api.me": Route(),
    "api.tests": Route(),
    "api.attempts": Route(),
    "api.start_attempt": Route(),
    "api.attempt": Route(path={"attempt_id": "own_attempt"}),
    "api.question": Route(path=ATTEMPT_QUESTION),
    "api.answer": Route(path=ATTEMPT_QUESTION),
    "api.submit": Route(path={"attempt_id": "own_attempt"}),
    "api.next_section": Route(path={"attempt_id": "own_attempt"}),
    "api.results": Route(path={"attempt_id": "finished_attempt"}),
    "api.progress": Route(),
    "api.readiness": Route(),
    "api.classes": Route(),
    "api.class_report": Route(path={"class_id": "class"}, reads=_reads("page")),
    "api.export_bank": Route(path={"slug": "owned"}),
    "api.image": Route(path={"digest": "0" * 64}),
    "lti.jwks": Route(),
    "lti.login": Route(
        baseline=_valid({"iss": "https://lms.example.edu", "login_hint": "h", "client_id": "c"}),
        reads=_reads("target_link_uri", "lti_message_hint", "lti_deployment_id"),
    ),
    "lti.launch": Route(reads=_reads("state", "id_token")),
    "lti.resource": Route(path={"link_id": 1}),
    "lti.start": Route(path={"link_id": 1}),
    "lti.deep_link": Route(),
    "lti.deep_link_respond": Route(),
    "lti.sync_roster": Route(path={"context_id": 1}),
    "lti.retry_grades": Route(path={"class_id": "class"}),
    "lti.platforms": Route(),
    "lti.delete_platform": Route(path={"platform_id": 1}),
    "lti.rotate_key": Route(),
    "assignments.new": Route(
        baseline=lambda world, path: {
            "test": "mixed-test",
            "classes": str(world["class"]),
            "opens_at": "2026-01-01T08:00",
            "due_at": "2099-01-01T08:00",
            "max_attempts": "2",
            "mode": "exam",
            "accept_late": "y",
        }
    ),
    "assignments.report": Route(
        path={"class_id": "class", "assignment_id": "assignment"}, reads=_reads("page")
    ),
    "assignments.export": Route(path={"class_id": "class", "assignment_id": "assignment"}),
    "assignments.schedule": Route(
        path={"class_id": "class", "assignment_id": "assignment"},
        baseline=_valid(
            {
                "opens_at": "2026-01-01T08:00",
                "due_at": "2099-01-01T08:00",
                "max_attempts": "3",
                "accept_late": "y",
            }
        ),
    ),
    "assignments.confirm_withdraw": Route(
        path={"class_id": "class", "assignment_id": "assignment"}
    ),
    "assignments.withdraw": Route(path={"class_id": "class", "assignment_id": "assignment"}),
    "assignments.start": Route(
        path={"assignment_id": "assignment"}, baseline=_valid({"mode": "exam"})
    ),
    "main.read_reply": Route(path={"report_id": "report"}),
}

#: Routes whose valid request destroys what others need: walked last, in this order.
WALKED_LAST = (
    "assignments.withdraw",
    "exams.submit",
    "api.submit",
    "tokens.revoke",
    "classes.remove_student",
    "classes.leave",
    "instructor.confirm",
    "instructor.cancel",
    "instructor.retire_blueprint",
    "instructor.delete",
    "auth.logout",
)


def _walked_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}


def test_every_route_is_walked():
    missing = sorted(_walked_endpoints(create_app(TestingConfig)) - ROUTES.keys())
    assert not missing, f"say how to reach these routes in ROUTES: {missing}"


def test_no_stale_routes():
    assert not sorted(ROUTES.keys() - _walked_endpoints(create_app(TestingConfig)))


def _field_names(fields) -> Iterator[str]:
    for form_field in fields:
        if isinstance(form_field, FieldList | FormField):
            yield from _field_names(form_field)
        elif form_field.name != "csrf_token":
            yield form_field.name


READ_IN_SOURCE = re.compile(r'request\.(args|form|values)(?:\.get(?:list)?\(|\[)"([^"]+)"')
FORM_IN_SOURCE = re.compile(r"\b(\w+Form)\((request\.args)?")


@dataclass(frozen=True)
class SourceReads:
    """The parameters a view's own source reads, its forms' fields included."""

    query: frozenset[str]
    form: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.query | self.form


def parameters_in_source(app, endpoint: str) -> SourceReads:
    view = inspect.unwrap(app.view_functions[endpoint])
    source = inspect.getsource(view)
    query, form = set(), set()
    for where, name in READ_IN_SOURCE.findall(source):
        (query if where == "args" else form).add(name)
        if where == "values":
            query.add(name)
    with app.test_request_context():
        for form_name, from_query in FORM_IN_SOURCE.findall(source):
            # A FlaskForm reads the posted form unless the view hands it the query string.
            fields = _field_names(view.__globals__[form_name]())
            (query if from_query else form).update(fields)
    return SourceReads(frozenset(query), frozenset(form))


def test_the_source_reading_finds_forms_and_request_reads(app):
    assert {"q", "topic", "type", "retired"} <= parameters_in_source(app, "banks.questions").query
    assert parameters_in_source(app, "exams.results").query == {"show"}
    assert {"revision", "action"} <= parameters_in_source(app, "exams.answer").form
    assert {"sections-0-questions", "sections-0-remove", "add_part"} <= parameters_in_source(
        app, "instructor.new_blueprint"
    ).form


def _make_world(app, role, make_user, start_attempt, make_class) -> World:
    requester = make_user("student" if role == "anonymous" else role)
    target = make_user("student")
    teacher = requester if role == "instructor" else make_user("instructor")
    now = datetime.now(UTC)
    with app.app_context():
        sync_bank(parse_bank(MIXED_BANK), now=now)
        sync_blueprint(parse_blueprint(MIXED_BLUEPRINT))
        sync_blueprint(parse_blueprint(MIXED_ADAPTIVE_BLUEPRINT))
        owned = MIXED_BANK.replace("id: mixed, title: Mixed bank", "id: owned, title: Owned bank")
        sync_bank(parse_bank(owned), now=now, owner_id=teacher.id)
        bank = db.session.scalar(sa.select(Bank).where(Bank.slug == "owned"))
        version_id = db.session.scalar(
            sa.select(Question.current_version_id).where(Question.bank_id == bank.id)
        )
        report = QuestionReport(user_id=target.id, version_id=version_id, message="Typo")
        pending = pending_upload(requester.id, UPLOAD)
        blueprint = create_blueprint(
            db.session.get(User, teacher.id),
            title="Teacher's quiz",
            description="",
            time_limit_minutes=10,
            passing_percent=70,
            sections=[BlueprintSection("owned", None, 2)],
        )
        reset_token = auth_services.make_reset_token(
            db.session.get(User, target.id),
            secret_key=app.config["SECRET_KEY"],
            now=now,
            max_age=timedelta(hours=1),
        )
        db.session.add_all([report, pending])
        db.session.commit()
        objects = {
            "report": report.id,
            "pending": pending.id,
            "own_blueprint": blueprint.slug,
            "reset_token": reset_token,
        }
    finished = start_attempt(requester, "mixed-test")
    with app.app_context():
        finish_attempt(db.session.get(Attempt, finished), now=now)
        db.session.commit()
    with app.app_context():
        adaptive_blueprint = db.session.scalar(
            sa.select(Blueprint).where(Blueprint.slug == "mixed-adaptive")
        )
        own_adaptive = start_adaptive_attempt(
            db.session.get(User, requester.id), adaptive_blueprint, now=now
        ).id
        db.session.commit()
    with app.app_context():
        owner = db.session.get(User, requester.id)
        scopes = [scope.value for scope in allowed_scopes(owner)]
        token, api_secret = create_token(owner, "walker", scopes, now=now)
        db.session.commit()
        own_token = token.id
    enrolled = (target, requester) if role == "student" else (target,)
    class_id = make_class(teacher, students=enrolled)
    with app.app_context():
        join_code = db.session.get(Classroom, class_id).join_code
        objects["assignment"] = assign_open_test(teacher.id, "mixed-test", class_id, max_attempts=2)
    return World(
        {
            **objects,
            "requester": requester.id if role != "anonymous" else None,
            "requester_email": requester.email,
            "target": target.id,
            "target_email": target.email,
            "own_bank": "owned",
            "own_attempt": start_attempt(requester, "mixed-test"),
            "finished_attempt": finished,
            "own_adaptive": own_adaptive,
            "class": class_id,
            "join_code": join_code,
            "own_token": own_token,
            "api_token": api_secret if role != "anonymous" else None,
        },
        app,
    )


PATH_PARAMETER = re.compile(r"<(?:[^<>:]+:)?(\w+)>")


def _url(rule, values: Values) -> str:
    return PATH_PARAMETER.sub(lambda m: quote(str(values[m.group(1)]), safe=""), rule.rule)


def _path_variants(route: Route, world: World) -> Iterator[Values]:
    """The path values of the real objects, one set per value of a tuple (attempt positions)."""
    resolved = {
        name: world.objects.get(value, value) if isinstance(value, str) else value
        for name, value in route.path.items()
    }
    walked = {name: value for name, value in resolved.items() if isinstance(value, tuple)}
    if not walked:
        yield resolved
        return
    ((name, values),) = walked.items()
    for value in values:
        yield {**resolved, name: value}


def _hostile_values(name: str) -> Iterator[object]:
    yield from HOSTILE_VALUES
    yield from HOSTILE_LISTS
    for shape in VALUE_SHAPES.get(name, ()):
        yield from (shape.format(value) for value in HOSTILE_VALUES)


@dataclass(frozen=True)
class Probe:
    """One request of the walk: the form and query values are built just before it is sent."""

    method: str
    url: str
    values: Callable[[], Values]
    hostile: str


def _probes(app, rule, world: World) -> Iterator[Probe]:
    route = ROUTES[rule.endpoint]
    source_reads = parameters_in_source(app, rule.endpoint)
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    for variant, path in enumerate(_path_variants(route, world)):

        def baseline(path=path):
            return route.baseline(world, path)

        url = _url(rule, path)
        for method in ("GET", "POST"):
            if method not in methods:  # a wrong method is a 405, whatever it carries
                yield Probe(method, url, lambda: UNEXPECTED, "method")
        for method in methods:
            yield Probe(method, url, lambda baseline=baseline: baseline() | UNEXPECTED, "none")
            # Further variants of the path (other questions of the attempt) differ only in what
            # the route declares it reads there.
            walked = set(route.reads(world, path))
            if variant == 0:
                walked |= source_reads.query if method == "GET" else source_reads.all
                for name in path:
                    for value in HOSTILE_VALUES:
                        url_with_value = _url(rule, {**path, name: value})
                        yield Probe(method, url_with_value, baseline, f"{name}={value!r}")
            for name in sorted(walked):
                for value in _hostile_values(name):

                    def values(name=name, value=value, baseline=baseline):
                        return baseline() | {name: value}

                    yield Probe(method, url, values, f"{name}={value!r:.40}")


def _act_as(client, world: World) -> None:
    """Sign the client in as the requester (or out): a request may have changed who it is."""
    client.delete_cookie("remember_token")
    with client.session_transaction() as session:
        session.clear()
        if world["requester"] is not None:
            with world.app.app_context():
                session["_user_id"] = db.session.get(User, world["requester"]).get_id()
            session["_fresh"] = True


def _send(client, probe: Probe, world: World):
    values = probe.values()
    query = {name: value for name, value in values.items() if not isinstance(value, tuple)}
    headers = {}
    if probe.url.startswith("/api/") and world["api_token"]:
        headers["Authorization"] = f"Bearer {world['api_token']}"
    return client.open(
        probe.url, method=probe.method, query_string=query, data=values, headers=headers
    )


def _walk_order(rule) -> tuple[int, str, str]:
    last = WALKED_LAST.index(rule.endpoint) if rule.endpoint in WALKED_LAST else -1
    return last, rule.endpoint, rule.rule


@pytest.mark.parametrize("role", ROLES)
def test_no_input_gives_a_server_error(app, client, role, make_user, start_attempt, make_class):
    world = _make_world(app, role, make_user, start_attempt, make_class)
    app.config["API_RATE_LIMIT"] = 1_000_000  # the walk goes deep, not slowed by 429s
    rules = sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"), key=_walk_order
    )
    failures, sent = [], 0
    for rule in rules:
        for probe in _probes(app, rule, world):
            _act_as(client, world)
            sent += 1
            try:
                response = _send(client, probe, world)
            except Exception as exc:  # the test client re-raises what the app did not handle
                failures.append(f"{probe.method} {rule.rule} {probe.hostile}: {exc!r:.200}")
                continue
            response.close()
            if response.status_code >= 500:
                failures.append(f"{probe.method} {rule.rule} {probe.hostile}: {response.status}")
    print(f"{role}: {sent} requests")
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:40])
