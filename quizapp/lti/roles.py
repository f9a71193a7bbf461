"""LTI role URIs to this app's roles (pure)."""

from quizapp.auth.models import Role

#: Context and institution roles that teach or manage a course (LTI 1.3 core, A.2).
TEACHING_ROLES = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
)


def lms_role(roles: list[str] | None) -> Role:
    """Instructor for teaching roles; anyone else (learners, guests, mentors) a student.

    Short role names (`Instructor`), which LTI 1.3 deprecates but some platforms still
    send, count too. Nobody becomes an admin through an LMS.
    """
    for role in roles or []:
        if not isinstance(role, str):
            continue
        if role in TEACHING_ROLES or role.rsplit("#", 1)[-1] in ("Instructor", "ContentDeveloper"):
            return Role.INSTRUCTOR
    return Role.STUDENT
