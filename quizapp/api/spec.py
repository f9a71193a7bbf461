"""The OpenAPI 3.1 document, generated from the API's own views.

Each view declares its operation with @operation (summary, scope, request body, responses by
status, each naming a schema below); build_spec() walks the app's URL map, so a route and its
documentation cannot drift apart: tests/api validate every response against this document.
"""

import re

from apispec import APISpec
from flask import Flask

API_VERSION = "1.0.0"
#: Where the API is mounted: the document's server; its paths are relative to it.
API_PREFIX = "/api/v1"
#: The types question pictures are stored in (quizapp.banks.images converts others to these).
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")

ERROR = {
    "type": "object",
    "required": ["error", "message", "status"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "status": {"type": "integer"},
    },
}
ATTEMPT = {
    "type": "object",
    "required": ["id", "title", "mode", "status", "question_count", "started_at"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "test": {"type": ["string", "null"], "description": "The practice test's slug."},
        "mode": {"type": "string", "enum": ["exam", "tutor", "adaptive"]},
        "status": {"type": "string", "enum": ["in_progress", "finished"]},
        "question_count": {"type": "integer"},
        "started_at": {"type": "string", "format": "date-time"},
        "deadline": {"type": ["string", "null"], "format": "date-time"},
        "seconds_left": {"type": ["integer", "null"]},
        "section": {"type": ["integer", "null"]},
        "on_break": {"type": "boolean"},
        "positions": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "The positions that may be answered now (the current section's).",
        },
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "percent": {"type": ["number", "null"]},
        "passed": {"type": ["boolean", "null"]},
        "passing_percent": {"type": "number"},
    },
}
SCHEMAS = {
    "Error": ERROR,
    "Me": {
        "type": "object",
        "required": ["id", "display_name", "role", "scopes"],
        "properties": {
            "id": {"type": "integer"},
            "display_name": {"type": "string"},
            "role": {"type": "string", "enum": ["student", "instructor", "admin"]},
            "scopes": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Test": {
        "type": "object",
        "required": ["slug", "title", "question_count", "time_limit_minutes"],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "question_count": {"type": "integer"},
            "time_limit_minutes": {"type": "integer"},
            "passing_percent": {"type": "number"},
        },
    },
    "TestList": {
        "type": "object",
        "required": ["tests"],
        "properties": {"tests": {"type": "array", "items": {"$ref": "#/components/schemas/Test"}}},
    },
    "Attempt": ATTEMPT,
    "AttemptList": {
        "type": "object",
        "required": ["attempts"],
        "properties": {
            "attempts": {"type": "array", "items": {"$ref": "#/components/schemas/Attempt"}},
            "next_before": {
                "type": ["integer", "null"],
                "description": "Pass as ?before= for the next (older) page.",
            },
        },
    },
    "StartAttempt": {
        "type": "object",
        "required": ["test"],
        "properties": {
            "test": {"type": "string", "description": "A practice test's slug (GET /tests)."},
            "mode": {"type": "string", "enum": ["exam", "tutor"], "default": "exam"},
        },
    },
    "Question": {
        "type": "object",
        "required": ["position", "type", "stem", "presentation", "revision", "values"],
        "description": "A question as the take page shows it: never its key before grading.",
        "properties": {
            "position": {"type": "integer"},
            "type": {"type": "string"},
            "instructions": {"type": "string"},
            "stem": {"type": "string"},
            "presentation": {
                "type": "object",
                "description": "Texts and opaque per-attempt tokens of the answer form.",
            },
            "revision": {
                "type": "integer",
                "description": "Send it back with the answer; a stale one gets 409.",
            },
            "values": {
                "type": "object",
                "description": "The saved answer as form values (field name to list of values).",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "flagged": {"type": "boolean"},
            "graded": {"type": "boolean"},
            "score": {
                "type": ["number", "null"],
                "description": "Only once graded (tutor mode checks at once).",
            },
        },
    },
    "Answer": {
        "type": "object",
        "required": ["revision", "values"],
        "properties": {
            "revision": {"type": "integer", "minimum": 0},
            "values": {
                "type": "object",
                "description": "Form field name to values, as on the take page: `answer` for "
                "choice and fill-in questions, `match-N` for matching, `rank-TOKEN` for ordering.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "flagged": {"type": "boolean"},
            "check": {
                "type": "boolean",
                "default": True,
                "description": "Tutor mode: grade and lock the answer now (the take page's "
                "Check answer). false saves it open to change, as Flag or Skip do on the page.",
            },
        },
    },
    "Saved": {
        "type": "object",
        "required": ["revision"],
        "properties": {
            "revision": {"type": "integer"},
            "graded": {"type": "boolean"},
            "score": {"type": ["number", "null"]},
            "incomplete": {
                "type": ["string", "null"],
                "description": "What the saved answer lacks (an order with items left out or "
                "sharing a position, a matching question with a blank): saved as it stands, "
                "graded at the end, and in tutor mode not checked until complete.",
            },
            "seconds_left": {"type": ["integer", "null"]},
        },
    },
    "Results": {
        "type": "object",
        "required": ["attempt", "questions", "topics"],
        "properties": {
            "attempt": {"$ref": "#/components/schemas/Attempt"},
            "questions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "position": {"type": "integer"},
                        "stem": {"type": "string"},
                        "topic": {"type": "string"},
                        "your_answer": {"type": ["string", "null"]},
                        "key": {"type": "string"},
                        "score": {"type": ["number", "null"]},
                        "rationale": {"type": "string"},
                        "flagged": {"type": "boolean"},
                    },
                },
            },
            "topics": {"type": "array", "items": {"$ref": "#/components/schemas/TopicScore"}},
        },
    },
    "TopicScore": {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "questions": {"type": "integer"},
            "percent": {"type": "number"},
        },
    },
    "Progress": {
        "type": "object",
        "required": ["scores", "topics"],
        "properties": {
            "scores": {
                "type": "object",
                "description": "Per practice test title, finished exam percents over time.",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "finished_at": {"type": "string", "format": "date-time"},
                            "percent": {"type": "number"},
                        },
                    },
                },
            },
            "topics": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "answered": {"type": "integer"},
                        "percent": {"type": "number"},
                    },
                },
            },
        },
    },
    "Readiness": {
        "type": "object",
        "required": ["tests"],
        "properties": {
            "tests": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "test": {"type": "string"},
                        "title": {"type": "string"},
                        "answers": {"type": "integer"},
                        "pass_probability": {"type": ["number", "null"]},
                        "more_answers_needed": {"type": "integer"},
                        "pool_too_small": {
                            "type": "boolean",
                            "description": "The test draws from fewer questions than an "
                            "estimate needs first answers to: no answering will show one.",
                        },
                    },
                },
            }
        },
    },
    "ClassList": {
        "type": "object",
        "required": ["classes"],
        "properties": {
            "classes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "students": {"type": "integer"},
                    },
                },
            }
        },
    },
    "ClassReport": {
        "type": "object",
        "required": ["class", "students", "tests"],
        "properties": {
            "class": {"type": "object"},
            "tests": {"type": "object", "additionalProperties": {"type": "string"}},
            "students": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "display_name": {"type": "string"},
                        "attempts": {"type": "integer"},
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "test_id": {"type": "integer"},
                                    "attempts": {"type": "integer"},
                                    "best": {"type": "number"},
                                    "latest": {"type": "number"},
                                },
                            },
                        },
                    },
                },
            },
            "next_page": {"type": ["integer", "null"]},
        },
    },
}


def operation(
    summary: str,
    *,
    responses: dict[int, str | None],
    scope: str | None = None,
    body: str | None = None,
    query: dict[str, dict] | None = None,
    content_type: str = "application/json",
):
    """Attach an OpenAPI operation to a view: `responses` maps status to a schema name (None:
    no body; "Error" for JSON errors; "text" or "image" for raw bodies); `scope` is the token
    scope it needs."""

    def decorator(view):
        view.openapi = {
            "summary": summary,
            "scope": scope,
            "body": body,
            "query": query or {},
            "responses": responses,
            "content_type": content_type,
        }
        return view

    return decorator


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path_and_parameters(rule: str) -> tuple[str, list[dict]]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if converter == "int" else "string"},
        }
        for converter, name in _CONVERTER.findall(rule)
    ]
    return _CONVERTER.sub(r"{\2}", rule), parameters


def _response(status: int, schema: str | None, content_type: str) -> dict:
    description = {
        200: "OK",
        201: "Created",
        304: "Not modified: the If-None-Match ETag is current",
        400: "Bad request",
        401: "Missing, unknown or revoked token",
        403: "The token lacks the scope, or the account the role",
        404: "Not found (or not yours)",
        409: "Conflict: a stale revision, a finished attempt, or not finished yet",
        429: "Rate limit reached; see Retry-After",
    }.get(status, "Response")
    if schema is None:
        return {"description": description}
    if schema == "image":  # raw bytes: a media type without a schema
        return {"description": description, "content": {kind: {} for kind in IMAGE_TYPES}}
    if schema == "text":
        return {
            "description": description,
            "content": {content_type: {"schema": {"type": "string"}}},
        }
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def build_spec(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every api.* view that declares an operation."""
    spec = APISpec(
        title="MA Exam Prep API",
        version=API_VERSION,
        openapi_version="3.1.0",
        info={
            "description": "Practice tests, results, progress and class reports. Authenticate "
            "with a personal access token (Settings → API tokens) as `Authorization: Bearer "
            "<token>`. Requests are rate-limited per token; see docs/api.md."
        },
        servers=[{"url": API_PREFIX}],
    )
    spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    by_path: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "openapi", None)
        if not rule.endpoint.startswith("api.") or meta is None:
            continue
        path, parameters = _path_and_parameters(rule.rule.removeprefix(API_PREFIX))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            parameters_here = parameters + [
                {"name": name, "in": "query", "required": False, "schema": schema}
                for name, schema in meta["query"].items()
            ]
            op = {
                "operationId": rule.endpoint.removeprefix("api."),
                "summary": meta["summary"],
                "responses": {
                    str(status): _response(status, schema, meta["content_type"])
                    for status, schema in meta["responses"].items()
                },
            }
            if parameters_here:
                op["parameters"] = parameters_here
            if meta["scope"]:
                op["security"] = [{"token": []}]
                op["description"] = f"Needs a token with the `{meta['scope']}` scope."
            else:
                op["security"] = []
            if meta["body"]:
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{meta['body']}"}
                        }
                    },
                }
            by_path.setdefault(path, {})[method.lower()] = op
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
