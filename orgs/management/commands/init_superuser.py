"""Creates the first superuser unless one exists (as Quay's mirror-registry --initUser does)."""

from __future__ import annotations

import os
import secrets

from django.core.management.base import BaseCommand

from orgs.models import User
from orgs.services import user_create


class Command(BaseCommand):
    help = "Create the first superuser from QUAY_INIT_USER / QUAY_INIT_PASSWORD unless one exists."

    def handle(self, *args: object, **options: object) -> None:
        if User.objects.filter(is_superuser=True).exists():
            return
        username = os.environ.get("QUAY_INIT_USER") or "admin"
        password = os.environ.get("QUAY_INIT_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(18)
        user_create(username=username, password=password, superuser=True)
        if generated:
            self.stdout.write(
                f"Created superuser {username!r} with password: {password}\n"
                "It is shown only this once; set QUAY_INIT_PASSWORD to choose your own."
            )
        else:
            self.stdout.write(f"Created superuser {username!r}.")
