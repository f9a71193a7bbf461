"""LTI 1.3 endpoints: the tool's JWKS, OIDC login, launch, the placed test's page, deep
linking, roster sync, and the admin's platform registrations."""

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem

from quizapp.auth.decorators import admin_required, instructor_required
from quizapp.banks import services as bank_services
from quizapp.banks.models import Blueprint as TestBlueprint
from quizapp.classes.services import class_test_accommodation, managed_class
from quizapp.exams import services as exam_services
from quizapp.exams.models import Mode, Status
from quizapp.extensions import csrf, db
from quizapp.forms import EmptyForm
from quizapp.lti import keys, services
from quizapp.lti.forms import PlatformForm, split_lines
from quizapp.lti.framing import FRAME_KEY, GRADES_DUE_KEY, tool_keys
from quizapp.lti.models import LtiContext, LtiPlatform, LtiResourceLink
from quizapp.lti.tool_conf import DatabaseLaunchDataStorage, DatabaseToolConf, registration_for
from quizapp.utils import external_url

logger = logging.getLogger(__name__)

bp = Blueprint("lti", __name__, url_prefix="/lti")

#: Session keys: the launched links this browser may open, the frame origins allowed, and
#: the deep-linking request being answered.
LINKS_KEY, DEEP_LINK_KEY = "lti_links", "lti_deep_link"


def _now() -> datetime:
    return datetime.now(UTC)


def _tool_conf() -> DatabaseToolConf:
    return DatabaseToolConf(tool_keys)


class SingleUseNonceLaunch(FlaskMessageLaunch):
    """pylti1p3's launch, with each nonce good for one launch: a replayed id_token (even
    with its state cookie) is refused."""

    def validate_nonce(self):
        nonce = self._get_jwt_body().get("nonce")
        storage = self._session_service.data_storage
        key = self._session_service._get_key("nonce", nonce)  # the key save_nonce used
        if not nonce or not storage.remove_value(key):
            raise LtiException("Invalid Nonce")
        return self


#: pylti1p3's messages, as a person would need them.
REFUSALS = {
    "State not found": "The sign-in from your LMS could not be matched to this browser. If "
    "your browser blocks cookies in frames, open the tool in a new window from your course.",
    "Invalid Nonce": "This launch was already used or has expired. Go back to your course and "
    "open the link again.",
    "Can't decode id_token": "The launch's signature could not be verified: it was not signed "
    "by the registered LMS, or it has expired. Open the link again from your course.",
    "Unable to find deployment": "This LMS deployment is not registered with this tool. Ask "
    "your administrator to add its deployment ID.",
    "Registration not found": "This launch was not addressed to a registered LMS (wrong "
    "issuer or client ID). Ask your administrator to check the registration.",
    "Client id not registered": "This launch was not addressed to this tool's client ID.",
    "Could not find registration": "This LMS is not registered with this tool. Ask your "
    "administrator to register it.",
    "Unable to find public key": "The LMS's signing key could not be found at its key set URL.",
}


def _refused(exc: Exception):
    message = str(exc)
    reason = next(
        (text for key, text in REFUSALS.items() if message.startswith(key)),
        "The launch from your LMS could not be accepted. Open the link again from your course.",
    )
    logger.info("LTI launch refused: %s", message)
    db.session.rollback()
    return render_template("lti/refused.html", reason=reason, detail=message[:200]), 400


@bp.get("/jwks")
def jwks():
    body = keys.jwks()
    if not body["keys"]:  # the first request makes the key
        tool_keys()
        db.session.commit()
        body = keys.jwks()
    return body


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
def login():
    """OIDC third-party initiated login: back to the LMS with a state and a nonce."""
    storage = DatabaseLaunchDataStorage()
    oidc = FlaskOIDCLogin(FlaskRequest(), _tool_conf(), launch_data_storage=storage)
    new_window = request.values.get("lti1p3_new_window")
    try:
        if request.is_secure and not new_window:
            # Framed by the LMS: check first that this browser keeps our cookies in a frame;
            # if not, the page offers to continue in a new window (pylti1p3's fallback).
            registration = oidc.validate_oidc_login()
            platform = services.platform_of(
                {"iss": registration.get_issuer(), "aud": registration.get_client_id()}
            )
            setattr(g, FRAME_KEY, services.frame_origins(platform))
            return render_template(
                "lti/cookie_check.html",
                params={k: v for k, v in request.values.items() if k != "lti1p3_new_window"},
            )
        response = oidc.redirect(external_url("lti.launch"))
    except (OIDCException, LtiException) as exc:
        return _refused(exc)
    db.session.commit()
    return response


@bp.post("/launch")
@csrf.exempt
def launch():
    try:
        message = SingleUseNonceLaunch(
            FlaskRequest(), _tool_conf(), launch_data_storage=DatabaseLaunchDataStorage()
        )
        claims = message.get_launch_data()
        outcome = services.handle_launch(claims)
    except (LtiException, services.LaunchError) as exc:
        return _refused(exc)
    except KeyError as exc:
        return _refused(LtiException(f"Missing claim {exc}"))
    session.clear()  # a fresh session for the launched user (no fixation)
    login_user(outcome.user)
    session["lti"] = True
    session[FRAME_KEY] = services.frame_origins(outcome.platform)
    if message.is_deep_link_launch():
        if not outcome.user.is_instructor and not outcome.user.is_admin:
            return _refused(LtiException("Only instructors can place a practice test."))
        settings = claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
        session[DEEP_LINK_KEY] = {
            "platform_id": outcome.platform.id,
            "deployment_id": claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"],
            "settings": settings,
        }
        db.session.commit()
        return redirect(url_for("lti.deep_link"))
    if outcome.link is None:
        db.session.commit()
        return _refused(LtiException("This link names no course or resource."))
    session[LINKS_KEY] = [outcome.link.id]
    destination = url_for("lti.resource", link_id=outcome.link.id)
    db.session.commit()
    return redirect(destination)


def _launched_link(link_id: int) -> LtiResourceLink:
    """A link launched in this session; any other is a 404."""
    if link_id not in session.get(LINKS_KEY, []):
        abort(404)
    return db.get_or_404(LtiResourceLink, link_id)


@bp.get("/links/<int:link_id>")
@login_required
def resource(link_id: int):
    link = _launched_link(link_id)
    blueprint = db.session.get(TestBlueprint, link.blueprint_id) if link.blueprint_id else None
    context = db.session.get(LtiContext, link.context_id)
    attempts = services.link_attempts(link, current_user)
    return render_template(
        "lti/resource.html",
        link=link,
        blueprint=blueprint,
        context=context,
        attempts=attempts,
        open_attempt=next((a for a in attempts if a.status == Status.IN_PROGRESS), None),
        form=EmptyForm(),
        failed=services.failed_posts(context.class_id) if context.class_id else [],
    )


@bp.post("/links/<int:link_id>/start")
@login_required
def start(link_id: int):
    link = _launched_link(link_id)
    form = EmptyForm()
    blueprint = db.session.get(TestBlueprint, link.blueprint_id) if link.blueprint_id else None
    if not form.validate_on_submit() or blueprint is None:
        abort(400, "This link has no practice test to start.")
    context = db.session.get(LtiContext, link.context_id)
    platform = db.session.get(LtiPlatform, context.platform_id)
    sub = services.lti_sub(current_user, platform)
    if sub is None:
        abort(403)
    if open_attempt := services.open_link_attempt(link, current_user):
        # A second press, another tab or the browser's back button: one test open at a time.
        return redirect(url_for("exams.resume", attempt_id=open_attempt.id))
    try:
        attempt = exam_services.start_blueprint_attempt(
            current_user,
            blueprint,
            mode=Mode.EXAM,
            # The course's class (if it has one) and the account-wide: no other class's.
            accommodation=class_test_accommodation(current_user, context.class_id),
            now=_now(),
        )
    except exam_services.CannotStartError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("lti.resource", link_id=link.id))
    services.track_attempt(link, attempt, sub)
    session[GRADES_DUE_KEY] = True
    destination = url_for("exams.question", attempt_id=attempt.id, position=1)
    db.session.commit()
    return redirect(destination)


@bp.get("/deep-link")
@instructor_required
def deep_link():
    if DEEP_LINK_KEY not in session:
        abort(404)
    blueprints = db.session.scalars(bank_services.visible_blueprints_query(current_user)).all()
    return render_template("lti/deep_link.html", blueprints=blueprints, form=EmptyForm())


@bp.post("/deep-link")
@instructor_required
def deep_link_respond():
    request_data = session.get(DEEP_LINK_KEY)
    form = EmptyForm()
    if request_data is None or not form.validate_on_submit():
        abort(400, "This page is only for placing a test from your LMS.")
    blueprint = db.session.scalar(
        bank_services.visible_blueprints_query(current_user).where(
            TestBlueprint.slug == request.form.get("test", "")
        )
    )
    if blueprint is None:
        abort(400, "Choose one of the practice tests listed.")
    platform = db.get_or_404(LtiPlatform, request_data["platform_id"])
    private_pem, public_pem = tool_keys()
    registration = registration_for(platform, private_pem=private_pem, public_pem=public_pem)
    item = (
        DeepLinkResource()
        .set_url(external_url("lti.launch"))
        .set_title(blueprint.title)
        .set_custom_params({services.TEST_PARAMETER: blueprint.slug})
        .set_lineitem(
            LineItem().set_score_maximum(100).set_label(blueprint.title).set_tag("quizapp")
        )
    )
    settings = request_data["settings"]
    jwt = DeepLink(registration, request_data["deployment_id"], settings).get_response_jwt([item])
    session.pop(DEEP_LINK_KEY)
    db.session.commit()
    return render_template(
        "lti/deep_link_return.html",
        return_url=settings["deep_link_return_url"],
        jwt=jwt,
        title=blueprint.title,
    )


@bp.post("/contexts/<int:context_id>/roster")
@instructor_required
def sync_roster(context_id: int):
    context = db.get_or_404(LtiContext, context_id)
    if context.class_id is None or managed_class(current_user, context.class_id) is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        seen, added = services.sync_roster(context, keys=tool_keys, now=_now())
    except services.LaunchError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(f"Roster synced: {seen} students in the course, {added} newly enrolled.", "success")
    return redirect(url_for("classes.detail", class_id=context.class_id))


@bp.post("/classes/<int:class_id>/grades")
@instructor_required
def retry_grades(class_id: int):
    """Post again the class's failed scores (the class report's button)."""
    if managed_class(current_user, class_id) is None or not EmptyForm().validate_on_submit():
        abort(404)
    posted = 0
    for post, _ in services.failed_posts(class_id):
        posted += services.post_score(post, keys=tool_keys, now=_now())
    db.session.commit()
    flash(f"{posted} scores reached the LMS gradebook.", "info")
    return redirect(url_for("classes.detail", class_id=class_id))


# --- the administrator's registrations -----------------------------------------------


@bp.route("/platforms", methods=["GET", "POST"])
@admin_required
def platforms():
    form = PlatformForm()
    status = 200
    if form.validate_on_submit():
        platform = LtiPlatform(
            name=form.name.data.strip(),
            issuer=form.issuer.data.strip(),
            client_id=form.client_id.data.strip(),
            deployment_ids=split_lines(form.deployment_ids.data),
            auth_login_url=form.auth_login_url.data.strip(),
            auth_token_url=form.auth_token_url.data.strip(),
            key_set_url=form.key_set_url.data.strip(),
            auth_audience=(form.auth_audience.data or "").strip() or None,
            frame_origins=split_lines(form.frame_origins.data),
        )
        exists = db.session.scalar(
            sa.select(LtiPlatform.id).where(
                LtiPlatform.issuer == platform.issuer, LtiPlatform.client_id == platform.client_id
            )
        )
        if exists:
            form.client_id.errors.append("This issuer and client ID are already registered.")
            status = 400
        else:
            db.session.add(platform)
            db.session.commit()
            flash(f"{platform.name} registered.", "success")
            return redirect(url_for("lti.platforms"))
    elif form.is_submitted():
        status = 400
    tool_keys()  # make the key now, so its JWKS is ready before the LMS asks
    db.session.commit()
    return render_template(
        "lti/platforms.html",
        form=form,
        platforms=db.session.scalars(sa.select(LtiPlatform).order_by(LtiPlatform.name)).all(),
        tool={
            "Login initiation URL (OIDC)": external_url("lti.login"),
            "Redirect / launch URL": external_url("lti.launch"),
            "Deep linking URL": external_url("lti.launch"),
            "Public keyset (JWKS) URL": external_url("lti.jwks"),
            "Domain": external_url("main.index").split("/")[2],
        },
        keys=keys.published_keys(),
        action_form=EmptyForm(),
    ), status


@bp.post("/platforms/<int:platform_id>/delete")
@admin_required
def delete_platform(platform_id: int):
    platform = db.get_or_404(LtiPlatform, platform_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(platform)
    db.session.commit()
    flash(f"{platform.name} removed: its launches are refused from now on.", "success")
    return redirect(url_for("lti.platforms"))


@bp.post("/keys/rotate")
@admin_required
def rotate_key():
    if not EmptyForm().validate_on_submit():
        abort(400)
    key = keys.create_key(secret_key=current_app.config["SECRET_KEY"], now=_now())
    db.session.commit()
    flash(f"New signing key {key.kid[:12]}… in use; the previous one stays published.", "success")
    return redirect(url_for("lti.platforms"))
