"""`flask lti post-scores`: retry the grade posts that failed (run it from cron)."""

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from quizapp.extensions import db
from quizapp.lti import services
from quizapp.lti.framing import tool_keys
from quizapp.lti.tool_conf import purge_expired

lti_cli = AppGroup("lti", help="LTI 1.3: grade passback retries and housekeeping.")


@lti_cli.command("post-scores")
def post_scores_command():
    """Post the finished launched attempts' scores that have not reached the LMS yet."""
    now = datetime.now(UTC)
    due = services.due_posts(limit=500)
    posted = sum(services.post_score(post, keys=tool_keys, now=now) for post in due)
    purged = purge_expired(now=now)
    db.session.commit()
    click.echo(f"{posted} of {len(due)} scores posted; {purged} expired launch records removed.")
