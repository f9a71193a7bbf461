"""Question pictures: stored by hash, shown only to those who may read a question showing them,
with a strong ETag and long private caching; uploaded in the editor; refused when unsafe."""

import io
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks import images
from quizapp.banks.images import process_image
from quizapp.banks.loader import BankFileError, BlueprintSection, parse_bank, parse_blueprint
from quizapp.banks.models import (
    Bank,
    Blueprint,
    Image,
    Question,
    QuestionImage,
    QuestionVersion,
)
from quizapp.banks.services import create_blueprint, sync_bank, sync_blueprint, sync_directory
from quizapp.extensions import db
from tests.banks.test_editor import COMMON, FORMS, post_data
from tests.conftest import blueprint_yaml
from tests.instructor.test_views import _upload
from tests.media_files import SVG_WITH_SCRIPT, decompression_bomb, png_bytes


def picture_bank(slug: str, colour: str) -> str:
    """A bank file whose two questions show media/<colour>.png in the stem and an option."""
    return f"""format: 1
bank: {{id: {slug}, title: Pictures {slug}}}
topics: [{{id: t, title: Strips}}]
questions:
  - id: p1
    type: single_best
    topic: t
    difficulty: easy
    stem: 'Name this rhythm. <img src="media/{colour}.png" alt="An ECG strip">'
    options: [Sinus rhythm, Atrial flutter, 'Ventricular <b>fibrillation</b>']
    key: Sinus rhythm
    rationale: Regular P waves.
  - id: p2
    type: single_best
    topic: t
    difficulty: easy
    stem: Which strip shows sinus rhythm?
    options: ['<img src="media/{colour}.png" alt="Strip A">', Neither]
    key: Neither
    rationale: None of them.
"""


def load(app, slug: str, colour: str, *, owner_id=None, visibility=None) -> str:
    """Load a picture bank; return its picture's digest."""
    with app.app_context():
        files = {f"media/{colour}.png": png_bytes(colour=colour)}
        parsed = parse_bank(picture_bank(slug, colour), f"{slug}.yaml", files.get)
        sync_bank(parsed, now=datetime.now(UTC), owner_id=owner_id)
        if visibility:
            db.session.scalar(sa.select(Bank).where(Bank.slug == slug)).visibility = visibility
        db.session.commit()
        return process_image(files[f"media/{colour}.png"]).digest


@pytest.fixture
def teacher(make_user, auth):
    user = make_user("instructor")
    auth.login(user)
    return user


@pytest.fixture
def people(make_user, make_class):
    teacher = make_user("instructor")
    enrolled = make_user("student")
    other = make_user("student")
    make_class(teacher, students=(enrolled, other))
    return {
        "teacher": teacher,
        "enrolled": enrolled,
        "other": other,
        "outsider": make_user("instructor"),
    }


def test_a_bank_file_with_a_media_folder_stores_each_picture_once(app):
    digest = load(app, "shipped", "red")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Image)) == 1
        shown = db.session.scalars(sa.select(QuestionImage.version_id)).all()
        assert len(shown) == 2  # the stem of p1 and an option of p2
        stem = db.session.scalar(sa.select(QuestionVersion.stem).order_by(QuestionVersion.id))
        assert f'src="media:{digest}"' in stem


def test_a_shipped_bank_picture_is_served_with_a_strong_etag(app, client, auth, people):
    digest = load(app, "shipped", "red")
    auth.login(people["other"])
    response = client.get(f"/media/{digest}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["ETag"] == f'"{digest}"'  # strong: no W/ prefix
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(f"/media/{digest}", headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304 and again.data == b""


def test_a_private_bank_picture_is_404_to_everyone_but_its_owner(app, client, auth, people):
    with app.app_context():
        teacher_id = people["teacher"].id
    digest = load(app, "private-pics", "blue", owner_id=teacher_id)
    for who in ("enrolled", "other", "outsider"):
        auth.login(people[who])
        assert client.get(f"/media/{digest}").status_code == 404, who
        assert client.get(f"/media/{digest}").headers["Cache-Control"] == "no-store"
        auth.logout()
    auth.login(people["teacher"])
    assert client.get(f"/media/{digest}").status_code == 200


def test_a_student_sees_a_class_bank_picture_only_in_their_own_attempt(
    app, client, auth, people, start_attempt
):
    digest = load(app, "class-pics", "green", owner_id=people["teacher"].id, visibility="classes")
    with app.app_context():
        create_blueprint(
            db.session.get(User, people["teacher"].id),
            title="Strips quiz",
            description="",
            time_limit_minutes=10,
            passing_percent=70,
            sections=[BlueprintSection("class-pics", None, 2)],
        )
        db.session.commit()
        slug = db.session.scalar(sa.select(Blueprint.slug).where(Blueprint.title == "Strips quiz"))
    auth.login(people["other"])
    assert client.get(f"/media/{digest}").status_code == 404  # not public, no attempt
    auth.logout()
    attempt_id = start_attempt(people["enrolled"], slug)
    auth.login(people["enrolled"])
    assert client.get(f"/media/{digest}").status_code == 200
    page = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    assert f'src="/media/{digest}" class="question-image" alt=' in page
    auth.logout()
    auth.login(people["other"])  # the same class, but another student's attempt
    assert client.get(f"/media/{digest}").status_code == 404


def test_unknown_and_malformed_digests_are_404(client, auth, people):
    auth.login(people["teacher"])
    assert client.get("/media/" + "0" * 64).status_code == 404
    assert client.get("/media/not-a-digest").status_code == 404
    assert client.get("/media/" + "A" * 64).status_code == 404


def _upload_picture(client, bank_slug, data, alt="A sinus rhythm strip", target="stem"):
    values = {**COMMON, **FORMS["single_best"]}
    form = post_data(values, "upload")
    form.update(picture=(io.BytesIO(data), "strip.png"), picture_alt=alt, picture_target=target)
    return client.post(
        f"/banks/{bank_slug}/questions/new/single_best",
        data=form,
        content_type="multipart/form-data",
    )


def test_an_uploaded_picture_goes_into_the_chosen_text_and_is_saved_with_it(
    app, client, owned_bank
):
    response = _upload_picture(client, owned_bank, png_bytes(), target="option-1")
    page = response.get_data(as_text=True)
    digest = process_image(png_bytes()).digest
    assert response.status_code == 200 and "Picture added" in page
    assert f"&lt;img src=&#34;media:{digest}&#34; alt=&#34;A sinus rhythm strip&#34;&gt;" in page
    assert client.get(f"/media/{digest}").status_code == 200  # the uploader's preview
    values = {**COMMON, **FORMS["single_best"]}
    values["options"] = list(values["options"])
    values["options"][1] = {
        "text": f'<b>Potassium</b> <img src="media:{digest}" alt="A sinus rhythm strip">',
        "correct": True,
    }
    saved = client.post(f"/banks/{owned_bank}/questions/new/single_best", data=post_data(values))
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(
            sa.select(QuestionImage.version_id).where(QuestionImage.digest == digest)
        )


@pytest.mark.parametrize(
    ("data", "alt", "message"),
    [
        (b"plain text, renamed\n" * 10, "x", "is not a PNG, JPEG, GIF or WebP picture"),
        (decompression_bomb(30_000), "x", "decompression bomb"),
        (png_bytes(300, 300, "white") + b"\0" * 4096, "x", "images may take at most 4 KB"),
        (SVG_WITH_SCRIPT, "x", "SVG drawing, which is not accepted"),
        (png_bytes(), "", "write the picture&#39;s alt text"),
    ],
    ids=["renamed-text", "bomb", "oversize", "svg-with-script", "no-alt"],
)
def test_refused_uploads_keep_the_form_and_store_nothing(
    app, client, owned_bank, monkeypatch, data, alt, message
):
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 4096)  # a small limit keeps the test quick
    response = _upload_picture(client, owned_bank, data, alt=alt)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'value="Calcium"' in page  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Image)) == 0


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _newest_bank_questions(app) -> tuple[str, dict[str, tuple]]:
    """The newest bank's slug, and (stem, options) of each of its current questions."""
    with app.app_context():
        bank = db.session.scalar(sa.select(Bank).order_by(Bank.id.desc()).limit(1))
        rows = db.session.execute(
            sa.select(Question.external_id, QuestionVersion)
            .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
            .where(Question.bank_id == bank.id)
        ).all()
        return bank.slug, {qid: (v.stem, tuple(v.content.get("options", ()))) for qid, v in rows}


def test_a_bank_with_pictures_round_trips_through_our_zip_and_moodle_xml(app, client, teacher):
    package = _zip(
        {
            "strips.yaml": picture_bank("strips", "red").encode(),
            "media/red.png": png_bytes(colour="red"),
        }
    )
    preview = _upload(client, package, "strips.zip")
    assert preview.status_code == 302
    client.post(preview.headers["Location"] + "/confirm")
    slug, original = _newest_bank_questions(app)
    digest = process_image(png_bytes(colour="red")).digest
    assert f'src="media:{digest}" alt="An ECG strip"' in original["p1"][0]
    assert 'alt="Strip A"' in original["p2"][1][0]

    xml = client.get(f"/banks/{slug}/export/xml").data
    assert b"@@PLUGINFILE@@/" + digest.encode() + b".png" in xml
    assert b'<file name="' + digest.encode() + b'.png" path="/" encoding="base64">' in xml
    client.post(_upload(client, xml, "strips.xml", title="Again").headers["Location"] + "/confirm")
    assert _newest_bank_questions(app)[1] == original

    exported = client.get(f"/banks/{slug}/export/yaml")
    assert exported.mimetype == "application/zip"
    assert exported.headers["Content-Disposition"].endswith('.zip"')
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert f"media/{digest}.png" in archive.namelist()
    upload = _upload(client, exported.data, "export.zip", title="Third")
    client.post(upload.headers["Location"] + "/confirm")
    assert _newest_bank_questions(app)[1] == original


def test_a_package_naming_a_missing_or_unsafe_picture_is_refused(client, teacher):
    package = _zip({"strips.yaml": picture_bank("strips", "red").encode()})
    page = client.get(_upload(client, package, "strips.zip").headers["Location"]).get_data(
        as_text=True
    )
    assert "picture &#39;media/red.png&#39; not found" in page
    svg = _zip(
        {"strips.yaml": picture_bank("strips", "red").encode(), "media/red.png": SVG_WITH_SCRIPT}
    )
    page = client.get(_upload(client, svg, "strips.zip").headers["Location"]).get_data(as_text=True)
    assert "SVG drawing, which is not accepted" in page


def test_a_bank_file_naming_a_picture_not_on_this_site_is_refused_at_preview(app, client, teacher):
    """An exported bank's YAML sent without its zip: its media:<hash> names are unknown here."""
    unknown = "ab" * 32
    text = picture_bank("strips", "red").replace("media/red.png", f"media:{unknown}")
    response = _upload(client, text.encode(), "strips.yaml")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"media:{unknown[:12]}… is not on this site" in page
    assert "a folder named media" in page
    confirmed = client.post(response.headers["Location"] + "/confirm")  # refused, not a 500
    assert confirmed.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Bank.id))) == 0


def test_serving_a_picture_takes_the_same_queries_whatever_the_data(
    app, client, auth, people, count_queries
):
    digest = load(app, "shipped", "red")
    auth.login(people["enrolled"])
    with count_queries() as few:
        assert client.get(f"/media/{digest}").status_code == 200
    for n in range(30):  # many more banks, versions and pictures
        load(app, f"more{n}", ("blue", "green", "white")[n % 3])
    with count_queries() as many:
        assert client.get(f"/media/{digest}").status_code == 200
    assert len(few) == len(many) <= 3


def test_pictures_never_go_in_the_rationale_so_none_is_served_before_grading():
    text = picture_bank("strips", "red").replace(
        "rationale: Regular P waves.",
        'rationale: \'Regular P waves. <img src="media/red.png" alt="The key, circled">\'',
    )
    files = {"media/red.png": png_bytes(colour="red")}
    with pytest.raises(BankFileError, match="pictures go in the stem or the options"):
        parse_bank(text, "strips.yaml", files.get)


def test_the_take_page_shows_pictures_with_their_alt_text_and_no_key(
    app, client, auth, people, start_attempt
):
    digest = load(app, "shipped", "red")
    with app.app_context():
        sync_blueprint(parse_blueprint(blueprint_yaml("strips-test", "shipped", 2)))
        db.session.commit()
    attempt_id = start_attempt(people["enrolled"], "strips-test")
    auth.login(people["enrolled"])
    for position in (1, 2):
        page = client.get(f"/attempts/{attempt_id}/{position}").get_data(as_text=True)
        assert f'src="/media/{digest}"' in page
        assert 'alt="An ECG strip"' in page or 'alt="Strip A"' in page
        assert "keyed" not in page and "Regular P waves" not in page and "None of them" not in page


def test_shipped_banks_read_the_media_folder_beside_them(app, tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "red.png").write_bytes(png_bytes(colour="red"))
    (tmp_path / "secret.png").write_bytes(png_bytes(colour="blue"))
    (tmp_path / "strips.yaml").write_text(picture_bank("strips", "red"))
    escape = picture_bank("escape", "red").replace("media/red.png", "media/../secret.png")
    (tmp_path / "escape.yaml").write_text(escape)
    with app.app_context():
        result = sync_directory(tmp_path, now=datetime.now(UTC))
        db.session.commit()
        assert [r.bank for r in result.reports] == ["strips"]
        assert any("'media/../secret.png' not found" in p.message for p in result.problems)
        digests = db.session.scalars(sa.select(Image.digest)).all()
        assert digests == [process_image(png_bytes(colour="red")).digest]
