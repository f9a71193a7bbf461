"""pylti1p3's view of the registered platforms and of the launch data, from the database."""

import typing as t
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from pylti1p3.deployment import Deployment
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from quizapp.extensions import db
from quizapp.lti.models import LtiLaunchData, LtiPlatform


def registration_for(platform: LtiPlatform, *, private_pem: str, public_pem: str) -> Registration:
    registration = (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(private_pem)
        .set_tool_public_key(public_pem)
    )
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    return registration


class DatabaseToolConf(ToolConfAbstract):
    """Platforms as registered on the admin page; several client ids per issuer allowed.

    `keys` gives the tool's (private, public) PEMs when a registration is built, so the
    private key is decrypted only when a message must be signed.
    """

    def __init__(self, keys: t.Callable[[], tuple[str, str]]):
        super().__init__()
        self._keys = keys

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _platform(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        query = sa.select(LtiPlatform).where(LtiPlatform.issuer == iss)
        if client_id:
            return db.session.scalar(query.where(LtiPlatform.client_id == client_id))
        # A login without client_id: only an issuer with one registration is unambiguous.
        platforms = db.session.scalars(query.limit(2)).all()
        return platforms[0] if len(platforms) == 1 else None

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = self._platform(iss, client_id)
        if platform is None:
            return None
        private_pem, public_pem = self._keys()
        return registration_for(platform, private_pem=private_pem, public_pem=public_pem)

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        platform = self._platform(iss, client_id)
        if platform is None or deployment_id not in (platform.deployment_ids or []):
            return None
        return Deployment().set_deployment_id(deployment_id)


class DatabaseLaunchDataStorage(LaunchDataStorage):
    """Nonces, states and launches in lti_launch_data: shared by every app server, and not
    dependent on the session cookie, which a browser may withhold from an iframe.

    Like pylti1p3's cache storage, keys are tied to its session-id cookie over HTTPS only."""

    default_lifetime = 3600

    def get_session_cookie_name(self):
        if self._request is None or not self._request.is_secure():
            return None
        return super().get_session_cookie_name()

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key):
        row = db.session.get(LtiLaunchData, self._prepare_key(key))
        if row is None or row.expires_at <= datetime.now(UTC):
            return None
        return row.value

    def set_value(self, key, value, exp=None):
        expires = datetime.now(UTC) + timedelta(seconds=exp or self.default_lifetime)
        row = db.session.get(LtiLaunchData, self._prepare_key(key))
        if row is None:
            db.session.add(
                LtiLaunchData(key=self._prepare_key(key), value=value, expires_at=expires)
            )
        else:
            row.value, row.expires_at = value, expires
        db.session.flush()

    def check_value(self, key):
        return self.get_value(key) is not None

    def remove_value(self, key) -> bool:
        """Delete a key; True if it was there (so only one of two racing requests gets it)."""
        result = db.session.execute(
            sa.delete(LtiLaunchData).where(
                LtiLaunchData.key == self._prepare_key(key),
                LtiLaunchData.expires_at > datetime.now(UTC),
            )
        )
        return result.rowcount == 1


def purge_expired(*, now: datetime) -> int:
    result = db.session.execute(sa.delete(LtiLaunchData).where(LtiLaunchData.expires_at <= now))
    return result.rowcount
