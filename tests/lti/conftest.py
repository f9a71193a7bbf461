"""A simulated LTI 1.3 platform: its own RSA key, JWKS, token endpoint, Assignment and Grade
Services and Names and Role Provisioning, answering the tool's `requests` calls through
`responses`; it signs real id_tokens and drives the tool through the test client."""

import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from quizapp.extensions import db
from quizapp.lti.models import LtiPlatform

ISSUER = "https://lms.example.edu"
CLIENT_ID = "tool-client-1"
DEPLOYMENT = "deployment-1"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class SimulatedPlatform:
    client: object
    mock: responses.RequestsMock
    key: object = field(default_factory=new_key)
    kid: str = "platform-key-1"
    #: What the platform received: scores, created line items, token requests.
    scores: list = field(default_factory=list)
    lineitems: list = field(default_factory=list)
    token_requests: list = field(default_factory=list)
    members: list = field(default_factory=list)
    fail_scores: bool = False

    # --- the platform's endpoints (answering the tool's requests) ----------------------

    def serve(self):
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update(kid=self.kid, alg="RS256", use="sig")
        self.mock.add(responses.GET, f"{ISSUER}/jwks", json={"keys": [public]})
        self.mock.add_callback(responses.POST, f"{ISSUER}/token", callback=self._token)
        self.mock.add_callback(
            responses.GET, f"{ISSUER}/courses/c1/lineitems", callback=self._list_lineitems
        )
        self.mock.add_callback(
            responses.POST, f"{ISSUER}/courses/c1/lineitems", callback=self._create_lineitem
        )
        self.mock.add_callback(
            responses.POST, f"{ISSUER}/courses/c1/lineitems/1/scores", callback=self._score
        )
        self.mock.add_callback(
            responses.GET, f"{ISSUER}/courses/c1/memberships", callback=self._memberships
        )

    def tool_jwks(self) -> dict:
        return self.client.get("/lti/jwks").get_json()

    def verify_tool_jwt(self, token: str, *, audience: str) -> dict:
        """Check a JWT the tool signed against the tool's published JWKS."""
        header = jwt.get_unverified_header(token)
        (jwk,) = [k for k in self.tool_jwks()["keys"] if k["kid"] == header["kid"]]
        key = RSAAlgorithm.from_jwk(json.dumps(jwk))
        return jwt.decode(token, key, algorithms=["RS256"], audience=audience)

    def _token(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        claims = self.verify_tool_jwt(form["client_assertion"], audience=f"{ISSUER}/token")
        assert claims["iss"] == CLIENT_ID and form["grant_type"] == "client_credentials"
        self.token_requests.append(form["scope"])
        return 200, {}, json.dumps({"access_token": "platform-access-token", "expires_in": 3600})

    def _authorized(self, request) -> bool:
        return request.headers.get("Authorization") == "Bearer platform-access-token"

    def _list_lineitems(self, request):
        assert self._authorized(request)
        return 200, {}, json.dumps(self.lineitems)

    def _create_lineitem(self, request):
        assert self._authorized(request)
        item = json.loads(request.body) | {"id": f"{ISSUER}/courses/c1/lineitems/1"}
        self.lineitems.append(item)
        return 201, {}, json.dumps(item)

    def _score(self, request):
        assert self._authorized(request)
        if self.fail_scores:
            return 503, {}, json.dumps({"error": "gradebook is down"})
        self.scores.append(json.loads(request.body))
        return 200, {}, "{}"

    def _memberships(self, request):
        assert self._authorized(request)
        body = {"id": "m", "context": {"id": "c1"}, "members": self.members}
        return (
            200,
            {"Content-Type": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"},
            json.dumps(body),
        )

    # --- the platform's side of a launch -----------------------------------------------

    def id_token(self, nonce: str, **overrides) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "student-sub-1",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Sam Learner",
            "email": "sam@example.edu",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT,
            LTI + "target_link_uri": "https://exam.school.example/lti/launch",
            LTI + "roles": [LEARNER],
            LTI + "context": {"id": "c1", "title": "MA 110 Medical Terminology"},
            LTI + "resource_link": {"id": "link-1", "title": "Terminology practice"},
            LTI + "custom": {"quizapp_test": "demo-test"},
            AGS: {"scope": AGS_SCOPES, "lineitems": f"{ISSUER}/courses/c1/lineitems"},
            NRPS: {
                "context_memberships_url": f"{ISSUER}/courses/c1/memberships",
                "service_versions": ["2.0"],
            },
        }
        claims.update(overrides)
        for name in [k for k, v in claims.items() if v is None]:
            del claims[name]
        return jwt.encode(claims, pem(self.key), algorithm="RS256", headers={"kid": self.kid})

    def login(self, **params):
        """The OIDC login initiation; returns (state, nonce) from the tool's redirect."""
        data = {
            "iss": ISSUER,
            "login_hint": "hint-1",
            "target_link_uri": "https://exam.school.example/lti/launch",
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT,
        } | params
        response = self.client.post("/lti/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        location = urlsplit(response.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/auth"
        query = {k: v[0] for k, v in parse_qs(location.query).items()}
        assert query["redirect_uri"] == "https://exam.school.example/lti/launch"
        assert query["client_id"] == CLIENT_ID and query["response_mode"] == "form_post"
        return query["state"], query["nonce"]

    def launch(self, *, key=None, **claims):
        """A whole launch: login initiation, then the signed id_token posted back."""
        state, nonce = self.login()
        token = self.id_token(nonce, **claims)
        if key is not None:  # signed with another key under the same kid
            token = jwt.encode(
                jwt.decode(token, options={"verify_signature": False}),
                pem(key),
                algorithm="RS256",
                headers={"kid": self.kid},
            )
        return self.client.post("/lti/launch", data={"state": state, "id_token": token})


def register_platform(app, **overrides) -> int:
    with app.app_context():
        platform = LtiPlatform(
            name="College LMS",
            issuer=ISSUER,
            client_id=CLIENT_ID,
            deployment_ids=[DEPLOYMENT],
            auth_login_url=f"{ISSUER}/auth",
            auth_token_url=f"{ISSUER}/token",
            key_set_url=f"{ISSUER}/jwks",
            frame_origins=["https://college.lms.example.edu"],
        )
        for name, value in overrides.items():
            setattr(platform, name, value)
        db.session.add(platform)
        db.session.commit()
        return platform.id


@pytest.fixture
def platform(app, client, make_bank, make_blueprint):
    make_bank("demo")
    make_blueprint("demo-test", bank="demo")
    register_platform(app)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        simulated = SimulatedPlatform(client, mock)
        simulated.serve()
        yield simulated


def fresh_nonce() -> str:
    return uuid.uuid4().hex
