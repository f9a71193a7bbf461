"""The layout's navigation is rendered once per page and role, never carrying one user's data
to another."""

from tests.conftest import AuthActions


def _nav(client) -> str:
    page = client.get("/practice").get_data(as_text=True)
    return page[page.index("<header>") : page.index("</header>")]


def test_navigation_is_shared_by_role_but_names_each_user(app, make_user):
    admin, first, second = make_user("admin"), make_user(), make_user(display_name="Zoë Other")
    navs = {}
    for user in (admin, first, second):
        client = app.test_client()
        AuthActions(client).login(user)
        navs[user.id] = _nav(client)
    assert 'href="/admin/users"' in navs[admin.id]
    assert 'href="/admin/users"' not in navs[first.id]
    assert first.display_name in navs[first.id] and "Zoë Other" not in navs[first.id]
    assert "Zoë Other" in navs[second.id] and first.display_name not in navs[second.id]
    # The current page is marked for each role.
    for nav in navs.values():
        assert (
            'class="nav-link active" href="/practice"\n                   aria-current="page"'
            in nav
        )
    anonymous = app.test_client().get("/login").get_data(as_text=True)
    assert "Sign in</a>" in anonymous and "Practice</a>" not in anonymous
    assert 'href="/admin/users"' not in anonymous and "Sign out" not in anonymous


def test_theme_and_icons_are_served_by_the_app(client):
    page = client.get("/login").get_data(as_text=True)
    icons = "/bootstrap/static/css/font/bootstrap-icons.min.css"
    for url in (icons, "/static/js/theme.js", "/static/css/app.css"):
        assert f'"{url}"' in page
    for url in (
        icons,
        "/static/js/theme.js",
        "/bootstrap/static/css/font/fonts/bootstrap-icons.woff2",
    ):
        with client.get(url) as response:
            assert response.status_code == 200
    assert "cdn" not in page.lower()


def test_fields_refer_only_to_descriptions_on_the_page(client):
    """aria-describedby names the help and error texts a field has, and nothing else."""
    page = client.get("/login").get_data(as_text=True)
    assert '<input aria-describedby="remember_me-help"' in page
    assert 'id="remember_me-help"' in page
    assert page.count("aria-describedby") == 1  # email and password have no help text
    page = client.post("/register", data={"email": "not-an-email"}).get_data(as_text=True)
    assert 'aria-describedby="email-error"' in page
    assert 'id="email-error"' in page


def test_fixed_links_follow_each_mount_point(app):
    """Layout parts and fixed URLs are built once per mount point, never one for the other."""

    def page(prefix: str) -> str:
        client = app.test_client()
        return client.get("/login", base_url=f"http://localhost{prefix}").get_data(as_text=True)

    for _ in range(2):  # the second round reads the caches the first filled
        plain, mounted = page(""), page("/prep")
        assert '<a class="navbar-brand" href="/">' in plain
        assert '<a class="navbar-brand" href="/prep/">' in mounted
        assert 'href="/static/css/app.css"' in plain and "/prep/" not in plain
        assert 'href="/prep/static/css/app.css"' in mounted
