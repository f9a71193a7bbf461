"""Write questions back in the native format (for the editor and for export). Pure."""

from typing import Any

import yaml

from quizapp.scoring.question_types import get_question_type


def native_fields(question_type: str, content: dict[str, Any]) -> dict[str, Any]:
    """The type-specific fields of a stored version, as a bank file writes them."""
    if question_type == "single_best":
        fields = {"options": content["options"], "key": content["options"][content["key"]]}
        if not content.get("shuffle", True):
            fields["shuffle"] = False
        return fields
    if question_type == "multiple_response":
        fields = {
            "options": content["options"],
            "key": [content["options"][i] for i in content["key"]],
        }
        if not content.get("shuffle", True):
            fields["shuffle"] = False
        return fields
    if question_type == "true_false":
        return {"key": content["key"]}
    if question_type == "fill_in_blank":
        fields = {"key": list(content["accepted"])}
        if content.get("tolerance") is not None:
            fields["tolerance"] = content["tolerance"]
        return fields
    if question_type == "matching":
        pairs = [
            [prompt, content["matches"][k]]
            for prompt, k in zip(content["prompts"], content["key"], strict=True)
        ]
        used = set(content["key"])
        extras = [m for i, m in enumerate(content["matches"]) if i not in used]
        return {"pairs": pairs, **({"extra_matches": extras} if extras else {})}
    if question_type == "ordering":
        return {"items": list(content["items"])}
    get_question_type(question_type)  # raises for an unknown type
    raise ValueError(question_type)


def question_document(
    *,
    external_id: str,
    question_type: str,
    topic: str,
    difficulty: str,
    stem: str,
    content: dict[str, Any],
    rationale: str,
    source: str | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    document = {
        "id": external_id,
        "type": question_type,
        "topic": topic,
        "difficulty": difficulty,
        "stem": stem,
        **native_fields(question_type, content),
        "rationale": rationale,
    }
    if source:
        document["source"] = source
    if tags:
        document["tags"] = list(tags)
    return document


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
