"""LTI platforms, the tool's keys, and what launches link: users, courses, placed tests,
grade posts, and the launch data shared by every app server."""

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.extensions import UTCDateTime, db


def utcnow() -> datetime:
    return datetime.now(UTC)


class LtiToolKey(db.Model):
    """The tool's RSA key pair. The newest unretired key signs; retired ones stay published
    in the JWKS for a while, so messages signed just before a rotation still verify."""

    __tablename__ = "lti_tool_keys"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kid: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    public_pem: so.Mapped[str] = so.mapped_column(sa.Text)
    #: PKCS#8 PEM encrypted with a key derived from SECRET_KEY (lti.keys).
    private_pem_encrypted: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    retired_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<LtiToolKey {self.kid}>"


class LtiPlatform(db.Model):
    """An LMS registered by an admin: what pylti1p3 needs to trust its launches."""

    __tablename__ = "lti_platforms"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    issuer: so.Mapped[str] = so.mapped_column(sa.String(255))
    client_id: so.Mapped[str] = so.mapped_column(sa.String(255))
    #: Deployment ids the platform may launch with.
    deployment_ids: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    auth_login_url: so.Mapped[str] = so.mapped_column(sa.String(500))
    auth_token_url: so.Mapped[str] = so.mapped_column(sa.String(500))
    key_set_url: so.Mapped[str] = so.mapped_column(sa.String(500))
    #: The token endpoint's audience when it differs from its URL (Brightspace, some Moodles).
    auth_audience: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    #: Origins allowed to frame the tool (the LMS's own site), besides the issuer's.
    frame_origins: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LtiPlatform {self.id} {self.issuer} {self.client_id}>"


class LtiUser(db.Model):
    """Who a platform's user is here: matched by (issuer, sub), never by email."""

    __tablename__ = "lti_users"
    __table_args__ = (sa.UniqueConstraint("issuer", "sub"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    issuer: so.Mapped[str] = so.mapped_column(sa.String(255))
    sub: so.Mapped[str] = so.mapped_column(sa.String(255))
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )

    def __repr__(self) -> str:
        return f"<LtiUser {self.issuer} {self.sub} -> {self.user_id}>"


class LtiContext(db.Model):
    """An LMS course (per platform and deployment) and the class it became."""

    __tablename__ = "lti_contexts"
    __table_args__ = (sa.UniqueConstraint("platform_id", "deployment_id", "context_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    platform_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("lti_platforms.id", ondelete="CASCADE")
    )
    deployment_id: so.Mapped[str] = so.mapped_column(sa.String(255))
    context_id: so.Mapped[str] = so.mapped_column(sa.String(255))
    title: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    #: The class made at the first instructor launch (None until then).
    class_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("classes.id", ondelete="SET NULL"), index=True
    )
    #: Names and Role Provisioning: the course's membership URL, from the latest launch.
    memberships_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    roster_synced_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<LtiContext {self.context_id} -> class {self.class_id}>"


class LtiResourceLink(db.Model):
    """A practice test placed in an LMS course (by deep linking or by a link's custom
    parameter), and the gradebook column its scores go to."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (sa.UniqueConstraint("context_id", "resource_link_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    context_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("lti_contexts.id", ondelete="CASCADE")
    )
    resource_link_id: so.Mapped[str] = so.mapped_column(sa.String(255))
    blueprint_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("blueprints.id", ondelete="SET NULL"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    #: Assignment and Grade Services, from the latest launch: the service's claim.
    ags: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)

    def __repr__(self) -> str:
        return f"<LtiResourceLink {self.resource_link_id} -> blueprint {self.blueprint_id}>"


class GradeStatus(enum.StrEnum):
    WAITING = "waiting"  # the attempt is not finished yet
    POSTED = "posted"
    FAILED = "failed"  # the latest try failed; retried by `flask lti post-scores`


class LtiGradePost(db.Model):
    """One launched attempt's score on its way to the LMS gradebook (one row per attempt,
    so resubmits and retries post it once)."""

    __tablename__ = "lti_grade_posts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("attempts.id", ondelete="CASCADE"), unique=True
    )
    link_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True
    )
    #: The student's `sub` on the platform (the score's userId).
    sub: so.Mapped[str] = so.mapped_column(sa.String(255))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=GradeStatus.WAITING.value)
    tries: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    posted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LtiGradePost attempt {self.attempt_id} {self.status}>"


class LtiLaunchData(db.Model):
    """pylti1p3's launch data storage (nonces, states, launches), in the database so that
    every app server sees it and no third-party cookie is needed to hold it."""

    __tablename__ = "lti_launch_data"

    key: so.Mapped[str] = so.mapped_column(sa.String(255), primary_key=True)
    value: so.Mapped[Any] = so.mapped_column(sa.JSON)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<LtiLaunchData {self.key}>"
