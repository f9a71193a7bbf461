"""Benchmark: importing a 10,000-question GIFT file and a 10,000-row CSV (goal: each < 5 s).

Run with `make bench-imports`. Each file is generated here, then parsed, validated and saved
into an in-memory SQLite database exactly as the upload's confirm step does (bulk inserts).
"""

import statistics
import time
from datetime import UTC, datetime

from config import TestingConfig
from quizapp import create_app
from quizapp.auth.models import Role
from quizapp.auth.services import create_user
from quizapp.banks.imports import preview_import, save_import
from quizapp.extensions import db

SIZE = 10_000
RUNS = 3


def gift_file(n: int) -> bytes:
    lines = []
    for i in range(n):
        if i % 500 == 0:
            lines.append(f"$CATEGORY: Bench/Part {i // 500}\n")
        lines.append(
            f"::q{i}:: Which option is right for question {i}? "
            f"{{=right {i} ~wrong {i} ~other {i} ~last {i} ####Right {i} is right.}}\n"
        )
    return "\n".join(lines).encode()


def csv_file(n: int) -> bytes:
    rows = ["type,question,option_a,option_b,option_c,option_d,correct,feedback,category"]
    rows += [
        f"single_best,Which option is right for row {i}?,right {i},wrong {i},other {i},"
        f"last {i},A,Right {i} is right.,Bench > Part {i // 500}"
        for i in range(n)
    ]
    return ("\n".join(rows) + "\n").encode()


def time_import(app, data: bytes, filename: str) -> tuple[float, int]:
    timings, count = [], 0
    for run in range(RUNS):
        with app.app_context():
            db.drop_all()
            db.create_all()
            owner = create_user(
                f"owner{run}@example.org", "Owner", "bench pass phrase", role=Role.INSTRUCTOR
            )
            start = time.perf_counter()
            preview = preview_import(data, filename)
            assert preview.can_import, preview.errors[:3]
            save_import(preview, owner=owner, now=datetime.now(UTC))
            db.session.commit()
            timings.append(time.perf_counter() - start)
            count = len(preview.bank.questions)
    return statistics.median(timings), count


def main() -> None:
    app = create_app(TestingConfig)
    for label, data, filename in (
        ("GIFT", gift_file(SIZE), "bench.gift"),
        ("CSV", csv_file(SIZE), "bench.csv"),
    ):
        seconds, count = time_import(app, data, filename)
        print(
            f"{label}: {count:,} questions ({len(data) / 1e6:.1f} MB) parsed, validated and "
            f"saved in {seconds:.2f} s (median of {RUNS}; goal < 5 s)"
        )


if __name__ == "__main__":
    main()
