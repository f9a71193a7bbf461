import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from quizapp.auth import passwords


def test_hash_is_argon2id_at_owasp_minimum():
    params = extract_parameters(passwords.hash_password("a long enough password"))
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2
    assert params.parallelism == 1


def test_verify_accepts_the_right_password_only():
    stored = passwords.hash_password("a long enough password")
    assert passwords.verify_password(stored, "a long enough password")
    assert not passwords.verify_password(stored, "a long enough passworD")
    assert not passwords.verify_password("not a hash at all", "a long enough password")


def test_weaker_old_hash_needs_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("pw")
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(passwords.hash_password("pw"))


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 12"),
        ("x" * 257, "at most 256"),
        (" " * 14, "only spaces"),
        ("aaaaaaaaaaaaaaaa", "different characters"),
        ("Student@Example.org", "email"),
    ],
)
def test_password_rules(password, problem):
    assert problem in passwords.password_problem(password, email="student@example.org")


def test_good_password_passes():
    assert passwords.password_problem("measure twice, cut once", email="a@b.org") is None
