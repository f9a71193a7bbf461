import pytest

from quizapp.utils import is_safe_redirect


@pytest.mark.parametrize("target", ["/", "/account/password", "/admin/users?page=2&q=a"])
def test_local_paths_are_safe(target):
    assert is_safe_redirect(target)


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "http:/evil.example",
        "evil.example",
    ],
)
def test_other_sites_are_not(target):
    assert not is_safe_redirect(target)
