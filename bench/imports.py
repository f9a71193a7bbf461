"""Benchmarks for uploads: bounded previews in every format, and the bulk import of a big file.

Run with `make bench-imports`.

1. Preview budget (issue 12): for every upload format, the upload step of the web import
   (parse, validate, keep the preview as JSON) for a file at the cap of IMPORT_MAX_QUESTIONS
   (5,000) questions, and the refusal of a 50,000-question file. Each is measured in fresh
   subprocesses: wall time in one, the tracemalloc peak in another (tracing slows Python down,
   so that run is not timed). Budget for each: under PREVIEW_SECONDS and PREVIEW_MIB; the
   refusal costs no more than the cap's preview, since the parser stops at the first question
   past the cap. (A 50,000-question Moodle XML or QTI file is larger than the 16 MB upload
   limit; it is measured anyway.)
2. Throughput: 10,000 GIFT questions and 10,000 CSV rows parsed, validated and saved into an
   in-memory SQLite database as `flask banks import` does, which has no cap (goal: each < 5 s).
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_files import FILE_MAKERS, csv_file, gift_file  # noqa: E402
from config import TestingConfig  # noqa: E402
from quizapp import create_app  # noqa: E402
from quizapp.auth.models import Role  # noqa: E402
from quizapp.auth.services import create_user  # noqa: E402
from quizapp.banks.imports import preview_import, preview_to_json, save_import  # noqa: E402
from quizapp.extensions import db  # noqa: E402

CAP = TestingConfig.IMPORT_MAX_QUESTIONS
REFUSED_SIZE = 50_000
PREVIEW_SECONDS = 5.0
PREVIEW_MIB = 150
THROUGHPUT_SIZE = 10_000
RUNS = 3


def upload_step(data: bytes, filename: str) -> str:
    """What the upload view does with a file: parse it once and keep its preview as JSON."""
    preview = preview_import(data, filename, max_questions=CAP)
    return json.dumps(preview_to_json(preview))


def measure_in_this_process(path: str, filename: str, traced: bool) -> dict:
    data = Path(path).read_bytes()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    stored = upload_step(data, filename)
    seconds = time.perf_counter() - start
    peak_mib = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    preview = json.loads(stored)
    return {
        "seconds": seconds,
        "peak_mib": peak_mib,
        "questions": len(preview["bank"]["questions"]) if preview["bank"] else 0,
    }


def measure(fmt: str, size: int) -> dict:
    """Time and memory of the upload step for `size` questions in `fmt`, in fresh processes."""
    data, filename = FILE_MAKERS[fmt](size)
    with tempfile.NamedTemporaryFile(suffix=Path(filename).suffix) as file:
        file.write(data)
        file.flush()
        runs = []
        for traced in ("", "traced"):
            output = subprocess.run(
                [sys.executable, __file__, "--child", file.name, filename, traced],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            runs.append(json.loads(output))
    timed, traced_run = runs
    return {**timed, "peak_mib": traced_run["peak_mib"], "megabytes": len(data) / 1e6}


def preview_budget() -> bool:
    print(
        f"Upload step (parse, validate, keep as JSON) with IMPORT_MAX_QUESTIONS={CAP:,}; "
        f"budget < {PREVIEW_SECONDS:.0f} s and < {PREVIEW_MIB} MiB traced peak"
    )
    print(f"{'format':<11}{'questions':>10}{'MB':>6}{'time s':>8}{'peak MiB':>10}")
    within = True
    for fmt in FILE_MAKERS:
        for size in (CAP, REFUSED_SIZE):
            row = measure(fmt, size)
            expected = row["questions"] == CAP if size == CAP else row["questions"] == 0
            ok = expected and row["seconds"] < PREVIEW_SECONDS and row["peak_mib"] < PREVIEW_MIB
            within &= ok
            outcome = f"{row['questions']:,} previewed" if size == CAP else "refused"
            print(
                f"{fmt:<11}{size:>10,}{row['megabytes']:>6.1f}{row['seconds']:>8.2f}"
                f"{row['peak_mib']:>10.0f}  {outcome}"
                f"{'' if ok else '  OVER BUDGET'}"
            )
    return within


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


def throughput() -> None:
    app = create_app(TestingConfig)
    for label, (data, filename) in (
        ("GIFT", gift_file(THROUGHPUT_SIZE)),
        ("CSV", csv_file(THROUGHPUT_SIZE)),
    ):
        seconds, count = time_import(app, data, filename)
        print(
            f"{label}: {count:,} questions ({len(data) / 1e6:.1f} MB) parsed, validated and "
            f"saved in {seconds:.2f} s (median of {RUNS}; goal < 5 s)"
        )


def main() -> None:
    within = preview_budget()
    print()
    throughput()
    if not within:
        sys.exit("The upload step is over its budget for some format (see above).")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        path, filename, traced = sys.argv[2:5]
        print(json.dumps(measure_in_this_process(path, filename, traced == "traced")))
    else:
        main()
