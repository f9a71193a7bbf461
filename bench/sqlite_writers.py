"""SQLite writers polling (busy timeout) against taking turns (quizapp.sqlite_writers).

    PYTHONPATH=. python bench/sqlite_writers.py [--processes 5] [--hold-ms 3] [--seconds 5]

Each process, like a gunicorn worker grading submits, loops: open a write transaction, hold it
for --hold-ms (the grading), commit, then do as long outside the transaction (the rest of the
request). The holds sleep rather than spin, so that the comparison does not depend on what else
shares the CPU. Both ways run twice, alternating, on a fresh WAL database each; the script prints
transactions per second, p50, p99 and max latency of a transaction, and errors.
"""

import argparse
import multiprocessing
import sqlite3
import tempfile
import time
from pathlib import Path

from quizapp.sqlite_writers import TurnTakingConnection


def writer(path: str, turns: bool, hold: float, seconds: float, results) -> None:
    factory = {"factory": TurnTakingConnection} if turns else {}
    connection = sqlite3.connect(path, timeout=5, **factory)
    connection.execute("PRAGMA synchronous = NORMAL")
    latencies, errors = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        try:
            connection.execute("INSERT INTO log VALUES (1)")
            time.sleep(hold)
            connection.commit()
        except sqlite3.OperationalError:
            errors += 1
            connection.rollback()
        latencies.append(time.perf_counter() - start)
        time.sleep(hold)
    results.put((latencies, errors))


def run(folder: Path, turns: bool, args) -> str:
    path = folder / f"writers-{time.monotonic_ns()}.sqlite"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode = WAL")
    setup.execute("CREATE TABLE log (n INTEGER)")
    setup.commit()
    setup.close()
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(
            target=writer, args=(str(path), turns, args.hold_ms / 1000, args.seconds, results)
        )
        for _ in range(args.processes)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    latencies = sorted(ms for outcome in outcomes for ms in outcome[0])
    errors = sum(outcome[1] for outcome in outcomes)

    def ms(q: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return (
        f"| {'turns' if turns else 'busy timeout'} | {len(latencies) / args.seconds:.0f} | "
        f"{ms(0.5):.1f} | {ms(0.99):.1f} | {1000 * latencies[-1]:.0f} | {errors} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--hold-ms", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print("| writers wait by | tx/s | p50 ms | p99 ms | max ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="sqlite-writers-") as folder:
        for turns in (False, True, False, True):
            print(run(Path(folder), turns, args), flush=True)


if __name__ == "__main__":
    main()
