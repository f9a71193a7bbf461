"""Line charts of scores over time, laid out as plain coordinates for an inline SVG.

Pure: the template draws the SVG from these numbers, so no chart library is needed.
"""

from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 640, 240
# Room for labels up to 22 units tall: the text is set larger on phones (see app.css).
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 66, 16, 12, 32
PALETTE = ("#0d6efd", "#d63384", "#198754", "#fd7e14", "#6f42c1", "#20c997")
#: Distinct markers, so the series can be told apart without colour.
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square")


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    when: datetime
    percent: float


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    marker: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    series: tuple[Series, ...]
    #: (y coordinate, label) for the horizontal grid lines at 0, 25, 50, 75 and 100 %.
    y_ticks: tuple[tuple[float, str], ...]
    #: (x coordinate, label, text anchor) for the first and last dates.
    x_ticks: tuple[tuple[float, str, str], ...]
    #: (y coordinate, label) of the dashed line at the passing mark; None without one.
    pass_line: tuple[float, str] | None = None
    plot_left: float = MARGIN_LEFT
    plot_right: float = WIDTH - MARGIN_RIGHT


def score_chart(
    data: dict[str, list[tuple[datetime, float]]], pass_percent: float | None = None
) -> Chart | None:
    """Lay out one line per label (a bank) of (time, percent) points, and a pass line at
    `pass_percent` if given; None without data."""
    moments = [when for points in data.values() for when, _ in points]
    if not moments:
        return None
    start, end = min(moments), max(moments)
    span = (end - start).total_seconds() or 1.0
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def x_of(when: datetime) -> float:
        if start == end:
            return MARGIN_LEFT + plot_w / 2
        return MARGIN_LEFT + plot_w * (when - start).total_seconds() / span

    def y_of(percent: float) -> float:
        return MARGIN_TOP + plot_h * (1 - percent / 100)

    series = tuple(
        Series(
            label=label,
            colour=PALETTE[n % len(PALETTE)],
            marker=MARKERS[n % len(MARKERS)],
            points=tuple(
                # Rounded: the SVG needs no more, and the page stays the same size.
                Point(round(x_of(when), 1), round(y_of(percent), 1), when, percent)
                for when, percent in sorted(points)
            ),
        )
        for n, (label, points) in enumerate(sorted(data.items()))
    )
    y_ticks = tuple((y_of(p), f"{p}%") for p in (0, 25, 50, 75, 100))
    label = "%b %d %H:%M" if span < 2 * 86400 else "%b %d"
    if end == start:
        x_ticks: tuple[tuple[float, str, str], ...] = ((x_of(start), f"{start:{label}}", "middle"),)
    else:
        x_ticks = ((x_of(start), f"{start:{label}}", "start"), (x_of(end), f"{end:{label}}", "end"))
    pass_line = None
    if pass_percent is not None:
        pass_line = (round(y_of(pass_percent), 1), f"Pass {pass_percent:g}%")
    return Chart(WIDTH, HEIGHT, series, y_ticks, x_ticks, pass_line)
