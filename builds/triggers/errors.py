"""The triggers' domain errors; builds.apps registers their API statuses."""

from __future__ import annotations

from builds.errors import BuildError, BuildInvalid, BuildNotFound


class TriggerNotFound(BuildNotFound):
    """No such trigger in the repository (404)."""


class TriggerInvalid(BuildInvalid):
    """A trigger configuration or start request that is not one: a bad regex, tag template or
    git URL, a trigger not activated (400)."""


class TriggerDisabled(BuildError):
    """The trigger is disabled: its webhook and manual starts are refused (400)."""


class WebhookUnauthorized(BuildError):
    """The webhook's signature or token is missing or wrong (403: nothing is queued)."""


class WebhookPayloadInvalid(BuildInvalid):
    """The body is not the service's push payload (400)."""
