"""The auto-prune pages' form: shapes only; pruning.policies checks the rules."""

from __future__ import annotations

from django import forms

from pruning.policies import CREATION_DATE, NUMBER_OF_TAGS


class PolicyForm(forms.Form):
    method = forms.ChoiceField(
        choices=[
            (NUMBER_OF_TAGS, "Keep the newest tags (number_of_tags)"),
            (CREATION_DATE, "Delete tags older than (creation_date)"),
        ]
    )
    value = forms.CharField(
        max_length=20, help_text="A number of tags (10), or an age: 10s, 45m, 12h, 30d, 2w."
    )
    tag_pattern = forms.CharField(
        max_length=256,
        required=False,
        label="Tag pattern",
        help_text="Optional regular expression, such as ^dev-",
    )
    tag_pattern_matches = forms.ChoiceField(
        label="Apply to",
        choices=[("true", "tags matching the pattern"), ("false", "tags not matching the pattern")],
        initial="true",
    )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        value = data["value"].strip()
        # The API takes a JSON number for number_of_tags; a form has only text.
        if data["method"] == NUMBER_OF_TAGS and value.isdigit():
            value = int(value)
        return {
            "method": data["method"],
            "value": value,
            "tag_pattern": data["tag_pattern"],
            "tag_pattern_matches": data["tag_pattern_matches"] == "true",
        }
