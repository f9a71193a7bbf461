"""An API client that sends a token and checks every response against the OpenAPI document."""

from datetime import UTC, datetime

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from quizapp.auth.models import User
from quizapp.extensions import db
from quizapp.tokens.services import create_token


class ApiClient:
    """Requests with `Authorization: Bearer`; each response is validated against the app's
    own /api/v1/openapi.json (status, content type and body schema)."""

    def __init__(self, client, openapi: OpenAPI, secret: str | None):
        self.client, self.openapi, self.secret = client, openapi, secret

    def open(self, method: str, path: str, *, json=None, query=None, validate=True):
        headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        response = self.client.open(
            path, method=method, json=json, query_string=query, headers=headers
        )
        if validate:
            # The request again, unread (the app consumed the original's body).
            sent = Request(
                EnvironBuilder(
                    path, method=method, json=json, query_string=query, headers=headers
                ).get_environ()
            )
            self.openapi.validate_response(
                WerkzeugOpenAPIRequest(sent), WerkzeugOpenAPIResponse(response)
            )
        return response

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.open("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.open("PUT", path, **kwargs)


@pytest.fixture
def openapi(client):
    # The document names its server by path; the test client's requests go to localhost.
    document = client.get("/api/v1/openapi.json").get_json()
    return OpenAPI.from_dict(document, config=Config(server_base_url="http://localhost"))


@pytest.fixture
def make_token(app):
    def make(user, scopes=("read", "take-tests")) -> str:
        with app.app_context():
            _, secret = create_token(
                db.session.get(User, user.id), "test", list(scopes), now=datetime.now(UTC)
            )
            db.session.commit()
            return secret

    return make


@pytest.fixture
def api_as(client, openapi, make_token):
    """api_as(user, scopes) -> an ApiClient with a fresh token of that user."""

    def make(user, scopes=("read", "take-tests")) -> ApiClient:
        return ApiClient(client, openapi, make_token(user, scopes) if user else None)

    return make
