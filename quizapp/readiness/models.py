"""Stored item calibrations: one row per question version, one run per `flask stats calibrate`."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.extensions import UTCDateTime, db


class CalibrationRun(db.Model):
    """One run of `flask stats calibrate`. Pages cache what they derive from the calibration
    (pass curves) under the latest run's id, so every server switches at the same moment."""

    __tablename__ = "calibration_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    finished_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    responses: so.Mapped[int]
    items: so.Mapped[int]
    #: Spread of the students' abilities (their mean is 0 by definition of the scale).
    population_sd: so.Mapped[float]
    #: Learned prior per authored difficulty: {"easy": [mean, sd], ...}.
    priors: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    iterations: so.Mapped[int]
    converged: so.Mapped[bool]
    seconds: so.Mapped[float]

    def __repr__(self) -> str:
        return f"<CalibrationRun {self.id}: {self.responses} responses>"


class ItemCalibration(db.Model):
    """A question version's calibrated parameters (logits). Versions whose stem, options and
    key are the same are one item: their rows hold the same pooled estimates."""

    __tablename__ = "item_calibrations"

    version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="CASCADE"), primary_key=True
    )
    difficulty: so.Mapped[float]
    difficulty_se: so.Mapped[float]
    #: 1.0 for a Rasch item (too few responses for its own discrimination).
    discrimination: so.Mapped[float]
    #: None where the discrimination was not estimated.
    discrimination_se: so.Mapped[float | None]
    #: First responses behind the estimate (all the pooled versions').
    responses: so.Mapped[int]
    #: Share of recent adaptive checks that showed the item (0 to 1).
    exposure: so.Mapped[float] = so.mapped_column(default=0.0)
    calibrated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<ItemCalibration {self.version_id}: b={self.difficulty:.2f}>"
