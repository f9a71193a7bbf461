"""The generic helpers in quizapp/utils.py."""

import csv
import io

from quizapp.utils import csv_response


def test_csv_header_cells_are_neutralised_like_data_cells():
    # A blueprint titled like this lands in another instructor's class report header.
    evil_title = '=HYPERLINK("http://evil","x")'
    response = csv_response(
        [f"{evil_title}: attempts", "+1 best %", "Student"],
        [["@SUM(1)", "ok", 3]],
        "report.csv",
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        [f"'{evil_title}: attempts", "'+1 best %", "Student"],
        ["'@SUM(1)", "ok", "3"],
    ]
