from datetime import UTC, datetime, timedelta

from quizapp.history.charts import HEIGHT, MARGIN_BOTTOM, MARGIN_TOP, score_chart

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def test_no_data_no_chart():
    assert score_chart({}) is None


def test_points_are_placed_by_time_and_percent():
    chart = score_chart({"Terms": [(T0 + timedelta(days=10), 50.0), (T0, 100.0)]})
    first, last = chart.series[0].points
    assert first.percent == 100.0 and first.y == MARGIN_TOP  # sorted by time; 100% at the top
    assert last.y == HEIGHT - MARGIN_BOTTOM - (HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) / 2
    assert first.x < last.x
    assert [label for _, label, _ in chart.x_ticks] == ["Oct 01", "Oct 11"]


def test_series_get_distinct_colours_and_markers():
    chart = score_chart({"A": [(T0, 10.0)], "B": [(T0, 20.0)]})
    assert chart.series[0].colour != chart.series[1].colour
    assert chart.series[0].marker != chart.series[1].marker
    assert chart.x_ticks[0][2] == "middle"


def test_pass_line_at_the_passing_mark():
    assert score_chart({"A": [(T0, 10.0)]}).pass_line is None
    chart = score_chart({"A": [(T0, 10.0)]}, pass_percent=70)
    y, label = chart.pass_line
    assert y == round(MARGIN_TOP + (HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) * 0.3, 1)
    assert label == "Pass 70%"
    assert score_chart({"A": [(T0, 10.0)]}, pass_percent=72.5).pass_line[1] == "Pass 72.5%"
