"""What an LTI launch does here: match or create the user, link the course to a class, the
placed test to its link; and the Advantage services (grades out, roster in).

Functions take the launch's claims (a dict) and explicit arguments, flush but do not commit.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from requests import RequestException

from quizapp.auth import passwords
from quizapp.auth.models import Role, User
from quizapp.banks.models import Blueprint
from quizapp.classes.models import Classroom, Enrollment
from quizapp.classes.services import create_class
from quizapp.exams.models import Attempt, Status
from quizapp.extensions import db
from quizapp.lti.models import (
    GradeStatus,
    LtiContext,
    LtiGradePost,
    LtiPlatform,
    LtiResourceLink,
    LtiUser,
)
from quizapp.lti.roles import lms_role
from quizapp.lti.tool_conf import registration_for

logger = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
#: The custom parameter a placed link carries: the practice test's slug.
TEST_PARAMETER = "quizapp_test"
#: Tries before a failed grade post stops being retried automatically.
MAX_GRADE_TRIES = 5


class LaunchError(Exception):
    """A launch that validated but that this tool cannot serve; the message says why."""


@dataclass
class Launch:
    platform: LtiPlatform
    user: User
    role: Role
    context: LtiContext | None
    link: LtiResourceLink | None


def platform_of(claims: dict) -> LtiPlatform | None:
    aud = claims.get("aud")
    client_id = aud[0] if isinstance(aud, list) and len(aud) == 1 else claims.get("azp", aud)
    return db.session.scalar(
        sa.select(LtiPlatform).where(
            LtiPlatform.issuer == claims.get("iss"), LtiPlatform.client_id == str(client_id)
        )
    )


def frame_origins(platform: LtiPlatform) -> list[str]:
    """The origins that may frame the tool for this platform: its LMS site, its issuer and
    its login URL's."""
    origins = []
    for url in [*(platform.frame_origins or []), platform.issuer, platform.auth_login_url]:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(origins))


def _display_name(claims: dict) -> str:
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return (str(name).strip() or "LMS user")[:80]


def match_user(issuer: str, sub: str, claims: dict, role: Role) -> User:
    """The account linked to (issuer, sub), created on the first launch. Never matched by
    email: an LMS's email claim is not proof of owning an account here. A teaching role
    makes an LMS student account an instructor; an admin stays an admin."""
    row = db.session.execute(
        sa.select(User)
        .join(LtiUser, LtiUser.user_id == User.id)
        .where(LtiUser.issuer == issuer, LtiUser.sub == sub)
    ).scalar_one_or_none()
    if row is None:
        digest = hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:24]
        row = User(
            # A placeholder address on the reserved .invalid domain: unique, never mailed,
            # and no one can register or sign in with it.
            email=f"lti-{digest}@lms.invalid",
            display_name=_display_name(claims),
            # Unusable: a random password nobody knows; these accounts sign in by launch.
            password_hash=passwords.hash_password(secrets.token_urlsafe(32)),
            role=role.value,
        )
        db.session.add(row)
        db.session.flush()
        db.session.add(LtiUser(issuer=issuer, sub=sub, user_id=row.id))
        logger.info("LTI user %s created for %s at %s", row.id, sub, issuer)
    elif role == Role.INSTRUCTOR and row.role == Role.STUDENT:
        row.role = Role.INSTRUCTOR.value
    if claims.get("name") and row.email.endswith("@lms.invalid"):
        row.display_name = _display_name(claims)
    db.session.flush()
    return row


def link_context(platform: LtiPlatform, claims: dict, user: User, role: Role) -> LtiContext | None:
    """The course as a class: made at the first instructor launch, the student enrolled."""
    context_claim = claims.get(CLAIM + "context") or {}
    context_id = context_claim.get("id")
    if not context_id:
        return None
    deployment_id = claims.get(CLAIM + "deployment_id")
    context = db.session.scalar(
        sa.select(LtiContext).where(
            LtiContext.platform_id == platform.id,
            LtiContext.deployment_id == deployment_id,
            LtiContext.context_id == str(context_id),
        )
    )
    title = str(context_claim.get("title") or context_claim.get("label") or "LMS course")[:120]
    if context is None:
        context = LtiContext(
            platform_id=platform.id, deployment_id=deployment_id, context_id=str(context_id)
        )
        db.session.add(context)
    context.title = title
    nrps = claims.get(NRPS_CLAIM) or {}
    if nrps.get("context_memberships_url"):
        context.memberships_url = nrps["context_memberships_url"]
    if context.class_id is None and role == Role.INSTRUCTOR:
        context.class_id = create_class(user, title).id
    db.session.flush()
    if context.class_id is not None and role == Role.STUDENT:
        enroll(context.class_id, [user.id])
    return context


def enroll(class_id: int, user_ids: list[int]) -> int:
    """Enroll these students (those not yet in the class); returns how many were added."""
    if not user_ids:
        return 0
    present = set(
        db.session.scalars(
            sa.select(Enrollment.student_id).where(
                Enrollment.class_id == class_id, Enrollment.student_id.in_(user_ids)
            )
        )
    )
    new = [uid for uid in dict.fromkeys(user_ids) if uid not in present]
    db.session.add_all(Enrollment(class_id=class_id, student_id=uid) for uid in new)
    db.session.flush()
    return len(new)


def _placeable_in(context: LtiContext) -> list:
    """Which tests a link's custom parameter may name: a live shipped test, or one of the
    course's own instructor (not another instructor's test whose name someone learned)."""
    instructor = (
        sa.select(Classroom.instructor_id).where(Classroom.id == context.class_id).scalar_subquery()
    )
    return [
        Blueprint.retired_at.is_(None),
        sa.or_(Blueprint.owner_id.is_(None), Blueprint.owner_id == instructor),
    ]


def link_resource(context: LtiContext | None, claims: dict) -> LtiResourceLink | None:
    """The placed test this resource link launches, remembered with its grade service."""
    resource = claims.get(CLAIM + "resource_link") or {}
    if context is None or not resource.get("id"):
        return None
    link = db.session.scalar(
        sa.select(LtiResourceLink).where(
            LtiResourceLink.context_id == context.id,
            LtiResourceLink.resource_link_id == str(resource["id"]),
        )
    )
    if link is None:
        link = LtiResourceLink(context_id=context.id, resource_link_id=str(resource["id"]))
        db.session.add(link)
    slug = (claims.get(CLAIM + "custom") or {}).get(TEST_PARAMETER)
    if slug and link.blueprint_id is None:
        link.blueprint_id = db.session.scalar(
            sa.select(Blueprint.id).where(Blueprint.slug == str(slug), *_placeable_in(context))
        )
    link.title = str(resource.get("title") or link.title or "")[:200]
    if claims.get(AGS_CLAIM):
        link.ags = claims[AGS_CLAIM]
    db.session.flush()
    return link


def handle_launch(claims: dict) -> Launch:
    """Everything a validated launch sets up here.

    :raises LaunchError: the launch comes from no registered platform (cannot happen after
        pylti1p3's validation, but the claims are read again here).
    """
    platform = platform_of(claims)
    if platform is None:
        raise LaunchError("This launch comes from a platform that is not registered.")
    role = lms_role(claims.get(CLAIM + "roles"))
    user = match_user(platform.issuer, str(claims["sub"]), claims, role)
    context = link_context(platform, claims, user, role)
    link = link_resource(context, claims)
    return Launch(platform, user, Role(user.role) if user.is_instructor else role, context, link)


def track_attempt(link: LtiResourceLink, attempt: Attempt, sub: str) -> LtiGradePost:
    """Send this attempt's score to the link's gradebook column once it is finished."""
    post = LtiGradePost(attempt_id=attempt.id, link_id=link.id, sub=sub)
    db.session.add(post)
    db.session.flush()
    return post


def link_attempts(link: LtiResourceLink, user: User, *, limit: int = 20) -> list[Attempt]:
    """The user's attempts started from this link, newest first."""
    return list(
        db.session.scalars(
            sa.select(Attempt)
            .join(LtiGradePost, LtiGradePost.attempt_id == Attempt.id)
            .where(LtiGradePost.link_id == link.id, Attempt.user_id == user.id)
            .order_by(Attempt.id.desc())
            .limit(limit)
        )
    )


def open_link_attempt(link: LtiResourceLink, user: User) -> Attempt | None:
    """The user's unfinished attempt from this link, if any."""
    return db.session.scalar(
        sa.select(Attempt)
        .join(LtiGradePost, LtiGradePost.attempt_id == Attempt.id)
        .where(
            LtiGradePost.link_id == link.id,
            Attempt.user_id == user.id,
            Attempt.status == Status.IN_PROGRESS,
        )
        .order_by(Attempt.id.desc())
        .limit(1)
    )


def lti_sub(user: User, platform: LtiPlatform) -> str | None:
    return db.session.scalar(
        sa.select(LtiUser.sub).where(LtiUser.user_id == user.id, LtiUser.issuer == platform.issuer)
    )


def _connector(platform: LtiPlatform, keys) -> ServiceConnector:
    private_pem, public_pem = keys()
    return ServiceConnector(
        registration_for(platform, private_pem=private_pem, public_pem=public_pem)
    )


def post_score(post: LtiGradePost, *, keys, now: datetime) -> bool:
    """Post one finished attempt's score (percent of 100) to the LMS; True if it got there.

    The line item is the launch's own, or one this tool created for the link (found again by
    its tag, so a retry never makes a second column). A failure is kept on the row with its
    reason, for the class report and `flask lti post-scores`.
    """
    row = db.session.execute(
        sa.select(Attempt, LtiResourceLink, LtiContext, LtiPlatform)
        .select_from(LtiGradePost)
        .join(Attempt, Attempt.id == LtiGradePost.attempt_id)
        .join(LtiResourceLink, LtiResourceLink.id == LtiGradePost.link_id)
        .join(LtiContext, LtiContext.id == LtiResourceLink.context_id)
        .join(LtiPlatform, LtiPlatform.id == LtiContext.platform_id)
        .where(LtiGradePost.id == post.id)
    ).one()
    attempt, link, _, platform = row
    if attempt.status != Status.FINISHED or post.status == GradeStatus.POSTED:
        return False
    post.tries += 1
    post.updated_at = now
    try:
        if not link.ags:
            raise LtiException("The LMS did not offer grade passback for this link.")
        service = AssignmentsGradesService(_connector(platform, keys), link.ags)
        lineitem = None
        if not link.ags.get("lineitem"):
            lineitem = (
                LineItem()
                .set_tag(f"quizapp-{link.id}")
                .set_score_maximum(100)
                .set_label(link.title or attempt.title)
                .set_resource_link_id(link.resource_link_id)
            )
        grade = (
            Grade()
            .set_score_given(round(attempt.percent or 0.0, 2))
            .set_score_maximum(100)
            .set_timestamp(attempt.finished_at.isoformat())
            .set_activity_progress("Completed")
            .set_grading_progress("FullyGraded")
            .set_user_id(post.sub)
        )
        service.put_grade(grade, lineitem)
    except (LtiException, RequestException, KeyError, ValueError) as exc:
        post.status = GradeStatus.FAILED.value
        post.last_error = str(exc)[:500] or exc.__class__.__name__
        logger.warning("Grade post for attempt %s failed: %s", attempt.id, post.last_error)
        return False
    post.status = GradeStatus.POSTED.value
    post.posted_at = now
    post.last_error = None
    logger.info("Grade for attempt %s posted to %s", attempt.id, platform.issuer)
    return True


def due_posts(*, user_id: int | None = None, limit: int = 50) -> list[LtiGradePost]:
    """Grade posts whose attempt is finished and whose score has not reached the LMS (and
    still has tries left), for one user or everyone."""
    query = (
        sa.select(LtiGradePost)
        .join(Attempt, Attempt.id == LtiGradePost.attempt_id)
        .where(
            Attempt.status == Status.FINISHED.value,
            LtiGradePost.status != GradeStatus.POSTED.value,
            LtiGradePost.tries < MAX_GRADE_TRIES,
        )
        .order_by(LtiGradePost.id)
        .limit(limit)
    )
    if user_id is not None:
        query = query.where(Attempt.user_id == user_id)
    return list(db.session.scalars(query))


def failed_posts(class_id: int) -> list[tuple[LtiGradePost, User]]:
    """The failing grade posts of a class's LMS links, with their students."""
    return [
        (post, user)
        for post, user in db.session.execute(
            sa.select(LtiGradePost, User)
            .join(Attempt, Attempt.id == LtiGradePost.attempt_id)
            .join(User, User.id == Attempt.user_id)
            .join(LtiResourceLink, LtiResourceLink.id == LtiGradePost.link_id)
            .join(LtiContext, LtiContext.id == LtiResourceLink.context_id)
            .where(
                LtiContext.class_id == class_id,
                LtiGradePost.status == GradeStatus.FAILED.value,
            )
            .order_by(LtiGradePost.updated_at.desc())
            .limit(50)
        )
    ]


def sync_roster(context: LtiContext, *, keys, now: datetime) -> tuple[int, int]:
    """Pull the course's members (Names and Role Provisioning) into its class: each active
    learner matched or created by (issuer, user_id), and enrolled. Returns (members seen,
    newly enrolled).

    :raises LaunchError: the course offers no roster service, or has no class yet.
    """
    platform = db.session.get(LtiPlatform, context.platform_id)
    if not context.memberships_url:
        raise LaunchError("The LMS did not offer its roster for this course.")
    if context.class_id is None:
        raise LaunchError("Launch the tool as the course's instructor first.")
    service = NamesRolesProvisioningService(
        _connector(platform, keys), {"context_memberships_url": context.memberships_url}
    )
    try:
        members = service.get_members()
    except (LtiException, RequestException, KeyError, ValueError) as exc:
        raise LaunchError(f"The LMS refused the roster request: {exc}"[:300]) from exc
    learners = []
    for member in members:
        if member.get("status", "Active") != "Active" or not member.get("user_id"):
            continue
        if lms_role(member.get("roles")) != Role.STUDENT:
            continue
        user = match_user(platform.issuer, str(member["user_id"]), member, Role.STUDENT)
        learners.append(user.id)
    added = enroll(context.class_id, learners)
    context.roster_synced_at = now
    db.session.flush()
    return len(learners), added


def class_contexts(class_id: int) -> list[LtiContext]:
    return list(db.session.scalars(sa.select(LtiContext).where(LtiContext.class_id == class_id)))


def classroom_of(context: LtiContext) -> Classroom | None:
    return db.session.get(Classroom, context.class_id) if context.class_id else None
