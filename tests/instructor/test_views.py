"""Instructors bring their own banks: upload, preview, confirm, manage, export, share."""

import io

import pytest
import sqlalchemy as sa

from quizapp.banks import manage
from quizapp.banks.imports import preview_import
from quizapp.banks.loader import parse_blueprint
from quizapp.banks.models import Bank, PendingImport, Question
from quizapp.banks.services import sync_blueprint
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from tests.conftest import blueprint_yaml
from tests.exams.conftest import MIXED_BANK

GIFT = b"""// A small bank written for this test.
$CATEGORY: Terminology/Prefixes

::brady:: What does the prefix brady- mean? {=slow ~fast ~painful ####Brady- means slow.}

::tachy:: Tachycardia is a fast heart rate. {TRUE ####Tachy- means fast.}

::essay:: Describe your favourite word part. {}
"""


@pytest.fixture
def teacher(make_user, auth):
    user = make_user("instructor", display_name="Ms Teacher")
    auth.login(user)
    return user


def _upload(client, data: bytes, filename: str, **fields):
    return client.post(
        "/banks/upload",
        data={"file": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
    )


def test_upload_preview_confirm(app, client, teacher):
    response = _upload(client, GIFT, "terms.gift", title="My terms")
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Moodle GIFT" in page and "Import 2 questions" in page
    assert "line 8: essay" in page  # skipped, with its line
    assert "What does the prefix brady- mean?" in page and "Key:" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0
    pending_id = int(preview_url.rsplit("/", 1)[1])
    response = client.post(f"/banks/imports/{pending_id}/confirm")
    assert response.status_code == 302
    with app.app_context():
        bank = db.session.scalar(sa.select(Bank).where(Bank.title == "My terms"))
        assert bank.owner_id == teacher.id and bank.visibility == "private"
        assert {t.title for t in bank.topics} == {"Terminology", "Prefixes"}
        assert db.session.get(PendingImport, pending_id) is None
    assert "Imported 2 questions into My terms" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)


def test_a_file_with_errors_imports_nothing(app, client, teacher):
    broken = GIFT + b"\n::bad:: Which is right? {~only wrong answers ~here}\n"
    preview_url = _upload(client, broken, "broken.gift").headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "must be fixed before this file can be imported" in page
    assert "line 10: no answer is correct" in page
    assert (
        "Import " not in page.split("must be fixed")[1].split("</form>")[0]
        or "Import 2" not in page
    )
    pending_id = int(preview_url.rsplit("/", 1)[1])
    response = client.post(f"/banks/imports/{pending_id}/confirm")
    assert response.headers["Location"] == preview_url
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bank)) == 0


NUL_CSV = b"type,question,option_a,option_b,correct\nmc,What does brady- mean?,slow\x00,fast,A\n"


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (GIFT.replace(b"Tachycardia", b"Tachy\x00cardia"), "nul.gift", "this is a binary file"),
        (NUL_CSV, "nul.csv", "line 2: the file contains NUL characters"),
    ],
)
def test_a_file_with_nul_characters_is_refused(app, client, teacher, data, filename, message):
    preview_url = _upload(client, data, filename).headers["Location"]
    assert message in client.get(preview_url).get_data(as_text=True)
    client.post(f"/banks/imports/{preview_url.rsplit('/', 1)[1]}/confirm")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bank)) == 0


def test_a_file_of_unsupported_questions_only_says_nothing_can_be_imported(client, teacher):
    essays = b"::e1:: Describe asepsis. {}\n\n::e2:: Describe the chain of infection. {}\n"
    page = client.get(_upload(client, essays, "essays.gift").headers["Location"]).get_data(
        as_text=True
    )
    assert "No question in this file can be imported: every one is of a type listed below" in page
    assert "2 questions of a type we do not support" in page and "Import " not in page


def test_unrecognised_file_is_explained(client, teacher):
    preview_url = _upload(client, b"just some words\nwith no questions", "notes.txt").headers[
        "Location"
    ]
    assert "was not recognised" in client.get(preview_url).get_data(as_text=True)


def test_someone_elses_upload_is_404(app, client, teacher, make_user, auth):
    preview_url = _upload(client, GIFT, "terms.gift").headers["Location"]
    auth.logout()
    auth.login(make_user("instructor"))
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url + "/confirm").status_code == 404


def test_oversized_upload_gets_the_413_page(app, client, teacher):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = _upload(client, b"x" * 10_000, "big.gift")
    assert response.status_code == 413
    assert "That file is too large" in response.get_data(as_text=True)


def test_share_with_a_class_and_a_student_practises_it(
    app, client, teacher, make_user, make_class, auth
):
    pending_url = _upload(client, GIFT, "terms.gift", title="Shared terms").headers["Location"]
    client.post(pending_url + "/confirm")
    with app.app_context():
        bank = db.session.scalar(sa.select(Bank).where(Bank.title == "Shared terms"))
        slug = bank.slug
    client.post(f"/banks/{slug}/settings", data={"title": "Shared terms", "visibility": "classes"})
    student = make_user()
    make_class(teacher, students=(student,))
    auth.logout()
    auth.login(student)
    assert "Shared terms" in client.get("/banks").get_data(as_text=True)
    response = client.post(
        "/practice/custom",
        data={"topics": [slug], "count": "5", "pool": "all", "mode": "tutor"},
    )
    assert "Only 2 questions match" in response.get_data(as_text=True)  # 2 < 5: a clear message


def test_edit_retire_and_export_from_the_browser(app, client, teacher):
    client.post(_upload(client, MIXED_BANK.encode(), "mixed.yaml").headers["Location"] + "/confirm")
    with app.app_context():
        slug = db.session.scalar(sa.select(Bank.slug))
    page = client.get(f"/banks/{slug}/questions/sb/edit").get_data(as_text=True)
    assert "What does brady- mean?" in page
    with app.app_context():
        source = manage.editable_source(
            db.session.scalar(sa.select(Question).where(Question.external_id == "sb"))
        )
    response = client.post(
        f"/banks/{slug}/questions/sb/yaml",
        data={"source": source.replace("key: slow", "key: nope")},
    )
    assert response.status_code == 400 and "not among the options" in response.get_data(
        as_text=True
    )
    client.post(
        f"/banks/{slug}/questions/sb/yaml", data={"source": source.replace("brady-", "bradi-")}
    )
    client.post(f"/banks/{slug}/questions/tf/retire")
    with app.app_context():
        sb = db.session.scalar(sa.select(Question).where(Question.external_id == "sb"))
        assert sb.current_version.number == 2
        assert db.session.scalar(sa.select(Question).where(Question.external_id == "tf")).retired_at
    gift = client.get(f"/banks/{slug}/export/gift")
    assert gift.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert client.get(f"/banks/{slug}/export/xml").headers["Content-Type"] == (
        "application/xml; charset=utf-8"
    )
    assert gift.headers["Content-Disposition"].endswith('.gift.txt"')
    assert "::sb::" in gift.get_data(as_text=True)


def test_other_instructors_cannot_manage_my_bank(app, client, teacher, make_user, auth):
    client.post(_upload(client, GIFT, "terms.gift").headers["Location"] + "/confirm")
    with app.app_context():
        slug = db.session.scalar(sa.select(Bank.slug))
    auth.logout()
    auth.login(make_user("instructor"))
    assert client.get(f"/banks/{slug}/settings").status_code == 404
    assert client.get(f"/banks/{slug}/delete").status_code == 404
    assert client.get(f"/banks/{slug}/questions/brady/edit").status_code == 404
    assert client.get(f"/banks/{slug}").status_code == 404  # private


@pytest.mark.parametrize("fmt", ["gift", "xml"])
def test_export_then_import_gives_the_same_questions(app, client, teacher, fmt):
    client.post(_upload(client, MIXED_BANK.encode(), "mixed.yaml").headers["Location"] + "/confirm")
    with app.app_context():
        bank = db.session.scalar(sa.select(Bank))
        text, _, skipped = manage.export_bank(bank, fmt)
        original = {
            q.external_id: (
                q.current_version.type,
                q.current_version.stem,
                q.current_version.content,
            )
            for q in db.session.scalars(sa.select(Question).where(Question.bank_id == bank.id))
        }
    preview = preview_import(text.encode(), f"export.{fmt}")
    assert preview.can_import, preview.problems
    again = {q.external_id: (q.type, q.stem, q.content) for q in preview.bank.questions}
    expected = {k: v for k, v in original.items() if k not in skipped}
    for key, (qtype, stem, content) in expected.items():
        assert again[key][0] == qtype and again[key][1] == stem, key
        assert again[key][2] | {"shuffle": True} == content | {"shuffle": True} or qtype in (
            "matching",
            "ordering",
        ), key


def test_instructor_practice_test_for_their_classes(
    app, client, teacher, make_user, make_class, auth, make_bank
):
    make_bank("demo", n_questions=6, topic_split=4)
    page = client.get("/blueprints/new").get_data(as_text=True)
    assert "Demo bank demo: all topics" in page
    form = {
        "title": "Week 3 quiz",
        "time_limit_minutes": "15",
        "passing_percent": "80",
        "sections-0-source": "demo/a",
        "sections-0-questions": "3",
        "sections-1-source": "demo/b",
        "sections-1-questions": "2",
    }
    too_many = client.post("/blueprints/new", data=form | {"sections-1-questions": "5"})
    assert "needs 5 questions but only 2 are available" in too_many.get_data(as_text=True)
    half = client.post("/blueprints/new", data=form | {"sections-2-questions": "4"})
    assert "Part 3: choose both" in half.get_data(as_text=True)
    response = client.post("/blueprints/new", data=form)
    slug = response.headers["Location"].rsplit("/", 1)[1]
    student, outsider = make_user(), make_user()
    make_class(teacher, students=(student,))
    auth.logout()
    auth.login(student)
    assert "Week 3 quiz" in client.get("/practice").get_data(as_text=True)
    response = client.post(f"/practice/{slug}/start", data={"mode": "exam"})
    attempt_id = int(response.headers["Location"].split("/")[2])
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.question_count == 5 and attempt.passing_percent == 80
    auth.logout()
    auth.login(outsider)
    assert "Week 3 quiz" not in client.get("/practice").get_data(as_text=True)
    assert client.post(f"/practice/{slug}/start", data={"mode": "exam"}).status_code == 404
    auth.logout()
    auth.login(teacher)
    url = f"/blueprints/{slug}/retire"
    assert f'href="{url}" data-confirm=' in client.get(f"/blueprints/{slug}").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "Stop offering the test &#39;Week 3 quiz&#39;?" in page
    assert f'<form method="post" action="{url}"' in page
    assert "Week 3 quiz" in client.get("/practice").get_data(as_text=True)  # asking changed nothing
    client.post(url)
    page = client.get("/practice").get_data(as_text=True)
    assert "Week 3 quiz is no longer offered" in page
    assert f"/practice/{slug}/start" not in page


def test_uploading_the_same_file_again_warns_that_it_makes_a_second_bank(app, client, teacher):
    first = _upload(client, GIFT, "terms.gift", title="My terms").headers["Location"]
    assert "imported these questions before" not in client.get(first).get_data(as_text=True)
    client.post(first + "/confirm")
    again = _upload(client, GIFT, "terms.gift").headers["Location"]
    page = client.get(again).get_data(as_text=True)
    assert "You have imported these questions before" in page
    assert ">My terms</a> holds 2 of these 2 questions unchanged." in page


def test_deleting_a_bank_asks_first_and_says_what_happens(app, client, teacher):
    client.post(
        _upload(client, GIFT, "terms.gift", title="Cardiology").headers["Location"] + "/confirm"
    )
    with app.app_context():
        slug = db.session.scalar(sa.select(Bank.slug))
    url = f"/banks/{slug}/delete"
    settings = client.get(f"/banks/{slug}/settings").get_data(as_text=True)
    assert (
        f'href="{url}" data-confirm="Delete the bank &#39;Cardiology&#39; and its 2 questions?"'
        in (settings)
    )
    page = client.get(url).get_data(as_text=True)
    assert "Delete the bank &#39;Cardiology&#39; and its 2 questions?" in page
    assert "deleted for good" in page and f'<form method="post" action="{url}"' in page
    assert "draw from it" not in page
    with app.app_context():  # a test (anyone's) drawing from the bank is named
        sync_blueprint(parse_blueprint(blueprint_yaml("cardio-test", slug, 2)))
        db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "These tests draw from it and can then no longer be started" in page
    assert "included): Demo test." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bank)) == 1
    client.post(url)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bank)) == 0
