"""add_service_error: a service's refusal shown on the form that fed the service."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from common.forms import add_service_error


class _TimesForm(forms.Form):
    # The service takes start_at; the form asks for start_time.
    service_error_fields = {"start_at": "start_time"}

    title = forms.CharField()
    start_time = forms.TimeField()


def _valid_form() -> _TimesForm:
    form = _TimesForm({"title": "Audits", "start_time": "12:00"})
    assert form.is_valid()
    return form


def test_it_puts_each_error_next_to_the_field_it_names() -> None:
    form = _valid_form()

    add_service_error(form, ValidationError({"title": "Taken.", "start_at": "Overlaps."}))

    assert form.errors == {"title": ["Taken."], "start_time": ["Overlaps."]}
    assert not form.is_valid()
    assert "title" not in form.cleaned_data


def test_it_puts_errors_naming_no_field_of_the_form_above_the_fields() -> None:
    form = _valid_form()

    add_service_error(form, ValidationError({"slug": "Clash.", NON_FIELD_ERRORS: "Nope."}))

    assert form.non_field_errors() == ["Clash.", "Nope."]
    assert list(form.errors) == [NON_FIELD_ERRORS]


def test_it_puts_an_error_without_fields_above_the_fields() -> None:
    form = _valid_form()

    add_service_error(form, ValidationError(["First.", "Second."]))

    assert form.non_field_errors() == ["First.", "Second."]
