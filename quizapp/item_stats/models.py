"""Additive sums behind item analysis and reliability, per question version and per blueprint,
for everyone and per student (a class adds up its students' rows)."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.extensions import db
from quizapp.scoring.item_analysis import MAX_OPTIONS


class ItemSumsColumns:
    """The columns of scoring.item_analysis.ItemSums; totals in hundredths of a percent."""

    responses: so.Mapped[int]
    correct: so.Mapped[int]
    blank: so.Mapped[int]
    total: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    total_sq: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    correct_total: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    #: Times option 0..9 was chosen (choice types only).
    option_0: so.Mapped[int]
    option_1: so.Mapped[int]
    option_2: so.Mapped[int]
    option_3: so.Mapped[int]
    option_4: so.Mapped[int]
    option_5: so.Mapped[int]
    option_6: so.Mapped[int]
    option_7: so.Mapped[int]
    option_8: so.Mapped[int]
    option_9: so.Mapped[int]


OPTION_COLUMNS = tuple(f"option_{i}" for i in range(MAX_OPTIONS))
ITEM_SUMS_COLUMNS = ("responses", "correct", "blank", "total", "total_sq", "correct_total")


class VersionStats(ItemSumsColumns, db.Model):
    """Sums over every finished exam-mode response to a question version."""

    __tablename__ = "version_stats"

    version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="CASCADE"), primary_key=True
    )

    def __repr__(self) -> str:
        return f"<VersionStats {self.version_id}: {self.responses}>"


class StudentVersionStats(ItemSumsColumns, db.Model):
    """Sums over one student's finished exam-mode responses to a question version."""

    __tablename__ = "student_version_stats"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    def __repr__(self) -> str:
        return f"<StudentVersionStats {self.user_id}/{self.version_id}: {self.responses}>"


class TotalSumsColumns:
    """The columns of scoring.item_analysis.TotalSums; points in ten-thousandths."""

    count: so.Mapped[int]
    total: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    total_sq: so.Mapped[int] = so.mapped_column(sa.BigInteger)


class BlueprintStats(TotalSumsColumns, db.Model):
    """Sums of the points of finished exam-mode attempts at a blueprint, per test length."""

    __tablename__ = "blueprint_stats"

    blueprint_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("blueprints.id", ondelete="CASCADE"), primary_key=True
    )
    #: The attempt's number of questions (KR-21's k); a blueprint edit may change it.
    question_count: so.Mapped[int] = so.mapped_column(primary_key=True)

    def __repr__(self) -> str:
        return f"<BlueprintStats {self.blueprint_id}/{self.question_count}: {self.count}>"


class StudentBlueprintStats(TotalSumsColumns, db.Model):
    """The same sums over one student's attempts."""

    __tablename__ = "student_blueprint_stats"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blueprint_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("blueprints.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    question_count: so.Mapped[int] = so.mapped_column(primary_key=True)

    def __repr__(self) -> str:
        return f"<StudentBlueprintStats {self.user_id}/{self.blueprint_id}: {self.count}>"
