"""The tool's RSA key pair: generated once, kept in the database with its private half
encrypted under a key derived from SECRET_KEY, rotatable, published as a JWKS."""

import hashlib
import hmac
import logging
from datetime import datetime

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.registration import Registration

from quizapp.extensions import db
from quizapp.lti.models import LtiToolKey

logger = logging.getLogger(__name__)

KEY_BITS = 2048
#: Retired keys stay in the JWKS this many (newest first), for messages signed before.
PUBLISHED_RETIRED_KEYS = 2


def _passphrase(secret_key: str) -> bytes:
    """The private key's encryption passphrase: derived from SECRET_KEY, never stored."""
    return hmac.new(secret_key.encode(), b"quizapp lti tool key", hashlib.sha256).digest()


def create_key(*, secret_key: str, now: datetime) -> LtiToolKey:
    """Generate a key pair and make it the signing key (retiring the previous one)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase(secret_key)),
    ).decode()
    db.session.execute(
        sa.update(LtiToolKey).where(LtiToolKey.retired_at.is_(None)).values(retired_at=now)
    )
    key = LtiToolKey(
        kid=Registration.get_jwk(public_pem)["kid"],
        public_pem=public_pem,
        private_pem_encrypted=encrypted,
        created_at=now,
    )
    db.session.add(key)
    db.session.flush()
    logger.info("LTI tool key %s created", key.kid)
    return key


def signing_key(*, secret_key: str, now: datetime) -> LtiToolKey:
    """The current signing key, generated on first use."""
    key = db.session.scalar(
        sa.select(LtiToolKey)
        .where(LtiToolKey.retired_at.is_(None))
        .order_by(LtiToolKey.id.desc())
        .limit(1)
    )
    return key or create_key(secret_key=secret_key, now=now)


def private_pem(key: LtiToolKey, *, secret_key: str) -> str:
    """The key's private half as unencrypted PEM, for signing (kept in memory only)."""
    private = serialization.load_pem_private_key(
        key.private_pem_encrypted.encode(), password=_passphrase(secret_key)
    )
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def published_keys() -> list[LtiToolKey]:
    """The current key and the latest retired ones."""
    return list(
        db.session.scalars(
            sa.select(LtiToolKey)
            .order_by(LtiToolKey.retired_at.is_not(None), LtiToolKey.id.desc())
            .limit(1 + PUBLISHED_RETIRED_KEYS)
        )
    )


def jwks() -> dict:
    return {"keys": [dict(Registration.get_jwk(key.public_pem)) for key in published_keys()]}
