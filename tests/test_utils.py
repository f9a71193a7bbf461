"""The generic helpers in quizapp/utils.py."""

import csv
import io
from datetime import UTC, datetime

from quizapp.utils import csv_response, local


def test_csv_header_cells_are_neutralised_like_data_cells():
    # A blueprint titled like this lands in another instructor's class report header.
    evil_title = '=HYPERLINK("http://evil","x")'
    response = csv_response(
        [f"{evil_title}: attempts", "+1 best %", "Student"],
        [["@SUM(1)", "ok", 3]],
        "report.csv",
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows == [
        [f"'{evil_title}: attempts", "'+1 best %", "Student"],
        ["'@SUM(1)", "ok", "3"],
    ]


def test_csv_starts_with_a_byte_order_mark_so_excel_reads_utf8():
    response = csv_response(["student"], [["José Núñez"]], "report.csv")
    assert response.data.startswith("\ufeff".encode())
    assert response.data.decode("utf-8-sig").splitlines() == ["student", "José Núñez"]


def test_local_shows_a_stored_time_on_the_sites_clock(app):
    app.config["TIMEZONE"] = "America/Chicago"
    moment = datetime(2026, 10, 27, 4, 29, tzinfo=UTC)  # the evening of the 26th in Chicago
    with app.app_context():
        assert local(moment) == "2026-10-26 23:29 CDT"
        assert local(moment, "%Y-%m-%d") == "2026-10-26"
