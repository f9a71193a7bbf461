"""Fill in the blank: typed answers compared without case or extra spaces, or numerically."""

from quizapp.scoring.question_types.base import (
    UNANSWERED,
    ContentError,
    InvalidResponseError,
    ItemResult,
    Problem,
    QuestionType,
    _parse_number,
    normalize_text,
)

MAX_ANSWER_LENGTH = 200


class FillInBlank(QuestionType):
    name = "fill_in_blank"
    label = "Fill in the blank"
    fields = frozenset({"key", "tolerance"})

    def content_from_fields(self, raw):
        problems: list[Problem] = []
        key = raw.get("key")
        if key is None or key == [] or key == "":
            raise ContentError([Problem("key", "the question has no accepted answer")])
        accepted = [str(k).strip() for k in (key if isinstance(key, list) else [key])]
        if any(not a for a in accepted):
            problems.append(Problem("key", "an accepted answer is empty"))
        tolerance = raw.get("tolerance")
        if tolerance is not None:
            if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
                problems.append(Problem("tolerance", "tolerance must be a number"))
            elif tolerance < 0:
                problems.append(Problem("tolerance", "tolerance cannot be negative"))
            for answer in accepted:
                if _parse_number(answer) is None:
                    problems.append(
                        Problem("key", f"with a tolerance every key must be a number: {answer!r}")
                    )
        if problems:
            raise ContentError(problems)
        return {"accepted": accepted, "tolerance": tolerance}

    def grade(self, content, response):
        if response is None or not str(response).strip():
            return UNANSWERED
        answer = normalize_text(str(response))
        if any(answer == normalize_text(a) for a in content["accepted"]):
            return ItemResult(score=1.0, answered=True)
        tolerance = content.get("tolerance")
        number = _parse_number(answer)
        # A hair of slack so that float noise (100.4 - 100.3) never fails a right answer.
        if (
            tolerance is not None
            and number is not None
            and any(abs(number - _parse_number(a)) <= tolerance + 1e-9 for a in content["accepted"])
        ):
            return ItemResult(score=1.0, answered=True)
        return ItemResult(score=0.0, answered=True)

    def correct_response(self, content):
        return content["accepted"][0]

    def key_text(self, content):
        text = " or ".join(content["accepted"])
        if content.get("tolerance"):
            text += f" (± {content['tolerance']:g})"
        return text

    def response_text(self, content, response):
        return str(response)

    def present(self, content, layout):
        # A numeric question says so, as calculation items on certification exams do.
        return {"numeric": content.get("tolerance") is not None}

    def parse_response(self, content, layout, form):
        value = (form.get("answer") or "").strip()
        if not value:
            return None
        if len(value) > MAX_ANSWER_LENGTH:
            raise InvalidResponseError(f"Answers are at most {MAX_ANSWER_LENGTH} characters.")
        if content.get("tolerance") is not None and _parse_number(value) is None:
            # "0.12 mL" would be graded wrong: refused with a reason instead, nothing lost.
            raise InvalidResponseError(
                f"Type a number only, without units: {value!r} is not a number (e.g. 0.5)."
            )
        return value

    def form_state(self, content, layout, response):
        return {"answer": [response]}
