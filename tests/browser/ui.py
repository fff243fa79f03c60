"""Steps that several browser tests take, written once."""

from playwright.sync_api import Locator, Page, expect

from members.models import User
from tests.conftest import PASSWORD


def account_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Account")


def sign_in(page: Page, user: User) -> None:
    """Sign in through the real form, from the header's "Sign in" link."""
    account_nav(page).get_by_role("link", name="Sign in").click()
    page.get_by_label("Email:", exact=True).fill(user.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(account_nav(page)).to_contain_text(user.public_name)
