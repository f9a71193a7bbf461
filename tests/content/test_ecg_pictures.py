"""The clinical bank's ECG questions load with their pictures, and a student taking them sees
each picture with its alt text (and neither the key nor the rationale)."""

import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks import services
from quizapp.banks.loader import parse_bank
from quizapp.banks.models import Image, Question, QuestionImage
from quizapp.exams import services as exam_services
from quizapp.exams.models import AttemptQuestion
from quizapp.extensions import db

BANK = Path(__file__).parents[2] / "question_banks" / "clinical-administrative.yaml"
PICTURE = re.compile(r'<img src="media:([0-9a-f]{64})" alt="([^"]+)">')


def parsed_bank():
    return parse_bank(
        BANK.read_text(encoding="utf-8"), str(BANK), services.media_folder_reader(BANK.parent)
    )


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.found.append(dict(attrs))


def images_on(page: str) -> list[dict[str, str]]:
    parser = _Images()
    parser.feed(page)
    return parser.found


def test_every_ecg_question_shows_a_picture_with_alt_text_that_names_no_answer():
    ecg = [q for q in parsed_bank().questions if q.external_id.startswith("ca-ecg-")]
    assert len(ecg) >= 15
    for question in ecg:
        pictures = PICTURE.findall(question.stem)
        assert len(pictures) == 1, question.external_id
        alt = html.unescape(pictures[0][1]).casefold()
        assert len(alt) > 60, question.external_id
        for word in ("fibrillation", "flutter", "tachycardia", "bradycardia", "asystole",
                     "sinus", "artifact", "wandering", "tremor", "interference"):  # fmt: skip
            assert word not in alt, (question.external_id, word)


def test_synced_ecg_questions_show_their_pictures_to_a_student(app, client, auth, make_user):
    student = make_user("student")
    bank = parsed_bank()
    expected = {
        q.external_id: (PICTURE.search(q.stem).group(1), html.unescape(PICTURE.search(q.stem)[2]))
        for q in bank.questions
        if q.external_id.startswith("ca-ecg-")
    }
    rationales = {q.external_id: q.rationale for q in bank.questions}
    with app.app_context():
        services.sync_bank(bank, now=datetime.now(UTC))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Image)) == len(
            {digest for digest, _ in expected.values()}
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionImage)) == len(
            expected
        )
        # Every ECG question in one attempt: chosen directly, as enemy groups keep a drawn
        # test from holding two questions on the same strip.
        ecg_ids = db.session.scalars(
            sa.select(Question.id)
            .where(Question.external_id.like("ca-ecg-%"))
            .order_by(Question.external_id)
        ).all()
        attempt_id = exam_services.start_chosen_attempt(
            db.session.get(User, student.id),
            title="Every ECG question",
            question_ids=list(ecg_ids),
            settings={},
            now=datetime.now(UTC),
            seed=1,
        ).id
        db.session.commit()
    with app.app_context():
        positions = dict(
            db.session.execute(
                sa.select(Question.external_id, AttemptQuestion.position)
                .join(Question, Question.id == AttemptQuestion.question_id)
                .where(
                    AttemptQuestion.attempt_id == attempt_id,
                    Question.external_id.like("ca-ecg-%"),
                )
            ).all()
        )
    assert set(positions) == set(expected)
    auth.login(student)
    for external_id, (digest, alt) in expected.items():
        page = client.get(f"/attempts/{attempt_id}/{positions[external_id]}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        shown = [i for i in images_on(text) if i.get("src") == f"/media/{digest}"]
        assert shown == [{"src": f"/media/{digest}", "class": "question-image", "alt": alt}]
        assert " ".join(rationales[external_id].split()[:8]) not in text
        picture = client.get(f"/media/{digest}")
        assert picture.status_code == 200
        assert picture.mimetype == "image/png"
