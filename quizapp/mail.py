"""Outgoing mail: sent through SMTP when configured, or written to the log in development."""

import logging

from flask import current_app
from flask_mail import Message

from quizapp.extensions import mail

logger = logging.getLogger(__name__)


def mail_enabled() -> bool:
    config = current_app.config
    return bool(config["MAIL_SERVER"] or config["MAIL_TO_LOG"])


def send_email(*, to: str, subject: str, body: str) -> None:
    if current_app.config["MAIL_TO_LOG"]:
        logger.warning(
            "Mail to %s, subject %r (MAIL_TO_LOG is on, not sent):\n%s", to, subject, body
        )
        return
    mail.send(Message(subject=subject, recipients=[to], body=body))
