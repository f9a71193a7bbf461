"""The bounded lists of latest results behind the aggregates."""

from datetime import UTC, datetime, timedelta, timezone

from quizapp.scoring.recent import keep_latest, stamp, unstamp


def test_stamps_sort_in_time_order_and_read_back_in_utc():
    moment = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    later = [moment + timedelta(microseconds=1), moment + timedelta(seconds=1)]
    assert stamp(moment) < stamp(later[0]) < stamp(later[1])
    in_paris = moment.astimezone(timezone(timedelta(hours=1)))
    assert stamp(in_paris) == stamp(moment) and unstamp(stamp(in_paris)) == moment


def test_keep_latest_orders_by_time_then_id_and_keeps_the_newest():
    kept = [["2026-11-02T09:00:00.000000", 1, 50.0], ["2026-11-03T09:00:00.000000", 2, 60.0]]
    older = ["2026-11-01T09:00:00.000000", 3, 10.0]  # recorded late: an expiry finishing earlier
    tie = ["2026-11-03T09:00:00.000000", 4, 70.0]
    assert keep_latest(kept, [older, tie], 3) == [kept[0], kept[1], tie]
    assert keep_latest(kept, [older], 5) == [older, *kept]
