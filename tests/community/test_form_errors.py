"""A refused form as a screen reader meets it: a summary that takes focus and says what went
wrong, and each error tied to its field (markup from templates/includes/)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from community.models import Community

pytestmark = pytest.mark.django_db


def test_it_leads_with_a_focused_error_summary_and_ties_each_error_to_its_field(
    organiser: Client, community: Community, community_data: dict[str, str]
) -> None:
    data = {**community_data, "name": "", "website": "not a url"}

    response = organiser.post(reverse("communities:edit", kwargs={"slug": community.slug}), data)

    assert response.status_code == 400
    html = response.content.decode()
    summary = re.search(r'<div class="form-errors"([^>]*)>(.*?)</div>', html, re.S)
    assert summary is not None
    assert 'role="alert"' in summary.group(1)
    assert "autofocus" in summary.group(1)
    assert "There are 2 problems with this form:" in summary.group(2)
    assert 'href="#id_name"' in summary.group(2)
    assert 'href="#id_website"' in summary.group(2)
    name_input = re.search(r'<input[^>]*name="name"[^>]*>', html)
    assert name_input is not None
    assert 'aria-invalid="true"' in name_input.group(0)
    assert 'aria-describedby="id_name_error"' in name_input.group(0)
    assert html.count('id="id_name_error"') == 1
    # One announcement, the summary's, rather than one per error.
    assert html.count('role="alert"') == 1
