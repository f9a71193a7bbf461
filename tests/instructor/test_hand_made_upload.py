"""A sheet a teacher made by hand uploads, previews and imports as single best questions."""

import io

import sqlalchemy as sa

from quizapp.banks.models import Question, QuestionVersion
from quizapp.extensions import db

SHEET = (
    "Question,Option A,Option B,Option C,Option D,Option E,Answer,Topic,Explanation\r\n"
    "What does brady- mean?,fast,slow,painful,difficult,,B,Prefixes,Brady- means slow.\r\n"
    "Normal adult respiratory rate?,12-20,30-40,4-8,,,12-20,Vital signs,\r\n"
    "Which is a vital sign?,Height,Eye colour,Pulse,Shoe size,Hair colour,c,Vital signs,\r\n"
)


def test_a_hand_made_sheet_uploads_and_imports(app, client, auth, make_user):
    auth.login(make_user("instructor"))
    response = client.post(
        "/banks/upload",
        data={"file": (io.BytesIO(SHEET.encode()), "week1.csv"), "title": "Week 1"},
        content_type="multipart/form-data",
    )
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Import 3 questions" in page
    assert "no type column: every row is read as a single best answer question" in page
    client.post(preview_url + "/confirm")
    with app.app_context():
        rows = db.session.execute(
            sa.select(QuestionVersion.type, QuestionVersion.content)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .order_by(Question.id)
        ).all()
    assert [t for t, _ in rows] == ["single_best"] * 3
    keys = [content["options"][content["key"]] for _, content in rows]
    assert keys == ["slow", "12-20", "Pulse"]
