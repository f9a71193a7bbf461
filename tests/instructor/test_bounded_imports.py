"""Uploads are bounded: too many questions are refused early, a file is parsed once, and its
preview is paged (issue 12). Time budgets live in bench/imports.py; these tests check memory."""

import io
import re
import tracemalloc

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bench.import_files import FILE_MAKERS
from quizapp.banks import imports
from quizapp.banks.models import Bank, Question
from quizapp.extensions import db

REFUSED_SIZE = 50_000
# openpyxl reads a workbook's whole shared-string table before its first row (17 s for 50,000
# rows under tracemalloc); bench/imports.py measures the 50,000-row workbook.
REFUSED_SIZES = {fmt: 10_000 if fmt == "xlsx" else REFUSED_SIZE for fmt in FILE_MAKERS}


@pytest.fixture
def teacher(make_user, auth):
    user = make_user("instructor", display_name="Ms Teacher")
    auth.login(user)
    return user


def _upload(client, data: bytes, filename: str):
    # Encoded in memory: the test client would spool a big body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename)})
    return client.post(
        "/banks/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.mark.parametrize("fmt", FILE_MAKERS)
def test_a_file_past_the_cap_is_refused_before_it_is_read_to_its_end(app, client, teacher, fmt):
    data, filename = FILE_MAKERS[fmt](REFUSED_SIZES[fmt])
    app.config["IMPORT_MAX_QUESTIONS"] = 100
    # Big enough for every format's 50,000 questions (the XML ones exceed the usual 16 MB).
    app.config["MAX_CONTENT_LENGTH"] = 2 * len(data)

    tracemalloc.start()
    try:
        response = _upload(client, data, filename)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "more than 100 questions" in page and "Split it into files of at most 100" in page
    assert "Import " not in page
    # Parsing all 50,000 questions took 80 times the file's size (494 MiB for 5 MB of GIFT);
    # stopping after 100 leaves the upload's own copies of the bytes and their decoded text.
    assert peak < 5 * len(data) + 32 * 2**20, f"{peak / 2**20:.0f} MiB for {fmt}"


@pytest.mark.parametrize("fmt", FILE_MAKERS)
def test_file_is_parsed_once_and_its_preview_is_paged(app, client, teacher, fmt, monkeypatch):
    parses = []

    def counted_preview_import(*args, **kwargs):
        parses.append(args[1])
        return preview_import(*args, **kwargs)

    preview_import = imports.preview_import
    monkeypatch.setattr(imports, "preview_import", counted_preview_import)
    app.config["IMPORT_PREVIEW_PAGE_SIZE"] = 50
    data, filename = FILE_MAKERS[fmt](120)
    preview_url = _upload(client, data, filename).headers["Location"]

    first = client.get(preview_url).get_data(as_text=True)
    last = client.get(preview_url + "?page=3").get_data(as_text=True)
    assert "Import 120 questions" in first and "120 questions by type" in first
    assert "Questions 1–50 of 120 (page 1 of 3)" in first
    assert len(re.findall(r'<article class="card', first)) == 50
    assert "Questions 101–120 of 120 (page 3 of 3)" in last
    assert len(re.findall(r'<article class="card', last)) == 20
    assert client.get(preview_url + "?page=4").status_code == 404

    client.post(preview_url + "/confirm")
    assert parses == [filename]  # the upload parsed it; the pages and the confirmation did not
    with app.app_context():
        bank = db.session.scalar(sa.select(Bank).where(Bank.owner_id == teacher.id))
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Question).where(Question.bank_id == bank.id)
        )
    assert count == 120
