"""Route guards: every view declares who may use it."""

from functools import wraps

from flask import abort
from flask_login import current_user

from quizapp.auth.models import Role
from quizapp.extensions import login_manager


def role_required(*roles: Role):
    """Allow signed-in users with one of `roles`; others get the sign-in page or a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(Role.ADMIN)
instructor_required = role_required(Role.INSTRUCTOR, Role.ADMIN)
