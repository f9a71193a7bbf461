"""JSON errors of the API: {"error", "message", "status"}."""

from http import HTTPStatus

from flask import jsonify


def error_response(status: int, message: str):
    body = {"error": HTTPStatus(status).phrase, "message": message, "status": status}
    return jsonify(body), status
