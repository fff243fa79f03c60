"""Steps that several browser tests take, written once."""

import re

from playwright.sync_api import Locator, Page, expect

from members.models import User
from tests.conftest import PASSWORD


def field_label(text: str) -> re.Pattern[str]:
    """A field's label, exactly, with or without the required asterisk after it."""
    return re.compile(rf"^{re.escape(text)}\s*\*?$")


def account_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Account")


def sign_in(page: Page, user: User) -> None:
    """Sign in through the real form, from the header's "Sign in" link."""
    account_nav(page).get_by_role("link", name="Sign in").click()
    page.get_by_label(field_label("Email")).fill(user.email)
    page.get_by_label(field_label("Password")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(account_nav(page)).to_contain_text(user.public_name)
