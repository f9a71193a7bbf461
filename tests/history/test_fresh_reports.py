"""Reports are never stale: the progress page, class report and item analysis read aggregates
updated in the transaction that grades, so a new result or a rename shows at once."""

from datetime import UTC, datetime

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.loader import parse_bank
from quizapp.banks.manage import update_settings
from quizapp.banks.models import Bank
from quizapp.banks.services import sync_bank
from quizapp.classes.models import Classroom
from quizapp.classes.services import join_class
from quizapp.extensions import db
from tests.conftest import bank_yaml
from tests.history.conftest import seed


def test_progress_page_shows_a_new_result_at_once(app, client, student):
    seed(app, [student.id], attempts_each=2)
    page = client.get("/progress").get_data(as_text=True)
    assert "10 questions answered" in page and page.count("Seeded test") == 2
    seed(app, [student.id], attempts_each=1)
    page = client.get("/progress").get_data(as_text=True)
    assert "15 questions answered" in page and page.count("Seeded test") == 3


def test_class_report_follows_results_and_roster_changes(
    app, client, auth, make_user, make_class, make_bank
):
    make_bank("demo", n_questions=10)
    teacher = make_user("instructor")
    alice = make_user(display_name="Alice")
    class_id = make_class(teacher, students=(alice,))
    seed(app, [alice.id], attempts_each=2)
    auth.login(teacher)
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert '<td class="text-end">2</td>' in page
    seed(app, [alice.id], attempts_each=1)
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert '<td class="text-end">3</td>' in page
    client.post(f"/classes/{class_id}/students/{alice.id}/accommodation", data={"time": "1.5"})
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert '<option value="1.5" selected>' in page
    bob = make_user(display_name="Bob")
    make_class(teacher, students=(bob,), name="Other")
    with app.app_context():
        code = db.session.get(Classroom, class_id).join_code
        join_class(db.session.get(User, bob.id), code)
        db.session.commit()
    assert "Roster (2 students)" in client.get(f"/classes/{class_id}").get_data(as_text=True)


def test_item_analysis_counts_new_responses(app, client, auth, make_user, make_class, make_bank):
    make_bank("demo", n_questions=5)
    teacher = make_user("instructor")
    students = [make_user() for _ in range(3)]
    class_id = make_class(teacher, students=tuple(students))
    seed(app, [s.id for s in students], attempts_each=1, questions_each=5)
    auth.login(teacher)
    page = client.get(f"/classes/{class_id}/items?bank=demo").get_data(as_text=True)
    assert page.count('<td class="text-end">3</td>') == 5  # responses per question
    seed(app, [students[0].id], attempts_each=1, questions_each=5)
    page = client.get(f"/classes/{class_id}/items?bank=demo").get_data(as_text=True)
    assert page.count('<td class="text-end">4</td>') == 5
    whole_bank = client.get("/banks/demo/items").get_data(as_text=True)
    assert whole_bank.count('<td class="text-end">4</td>') == 5


def test_progress_page_shows_renamed_topics_and_banks(app, client, student):
    seed(app, [student.id], attempts_each=2)
    page = client.get("/progress").get_data(as_text=True)
    assert "Topic A1" in page and "Demo bank demo" in page
    renamed = bank_yaml("demo", 12, topic_split=6).replace("Topic A1", "Word roots")
    with app.app_context():
        sync_bank(parse_bank(renamed), now=datetime.now(UTC))
        db.session.commit()
    page = client.get("/progress").get_data(as_text=True)
    assert "Word roots" in page and "Topic A1" not in page
    with app.app_context():
        bank = db.session.scalar(sa.select(Bank).where(Bank.slug == "demo"))
        update_settings(bank, title="Terminology drills", visibility=bank.visibility)
        db.session.commit()
    page = client.get("/progress").get_data(as_text=True)
    assert "Terminology drills" in page and "Demo bank demo" not in page
