"""A repository's mirror configuration, its schedule and the report of its last sync (Quay's
RepoMirrorConfig with its root rule folded in, plus our platforms and rollback)."""

from __future__ import annotations

from datetime import datetime

from django.db import models

from orgs.secrets import secret_decrypt


class RepositoryMirror(models.Model):
    class SyncStatus(models.TextChoices):
        NEVER_RUN = "NEVER_RUN"
        SYNC_NOW = "SYNC_NOW"
        SYNCING = "SYNCING"
        SYNC_SUCCESS = "SYNC_SUCCESS"
        SYNC_FAILED = "SYNC_FAILED"
        SYNC_CANCEL = "SYNC_CANCEL"

    repository = models.OneToOneField("registry.Repository", on_delete=models.CASCADE, related_name="mirror")
    # host[:port]/path[/...], no tag or digest: the rules choose the tags.
    external_reference = models.CharField(max_length=1024)
    username = models.CharField(max_length=255, blank=True)
    # Fernet ciphertext (orgs.secrets); empty: no password.
    password = models.TextField(blank=True)
    verify_tls = models.BooleanField(default=True)
    unsigned_images = models.BooleanField(default=False)
    # Quay's proxy object: {"http_proxy": ..., "https_proxy": ..., "no_proxy": ...}, keys optional.
    proxy = models.JSONField(default=dict, blank=True)
    # Tags and shell-style globs, comma-separated, as Quay's tag_glob_csv rule.
    tag_glob_csv = models.TextField()
    # Platforms ("linux/amd64", "linux/arm64/v8") whose content is copied; empty: every platform.
    platforms = models.JSONField(default=list, blank=True)
    # True: a failed sync restores the last good tag set; False: best effort, keep what succeeded.
    rollback = models.BooleanField(default=False)
    # The robot that writes; null once deleted, and a sync then fails saying so.
    robot = models.ForeignKey(
        "orgs.User", null=True, on_delete=models.SET_NULL, related_name="repository_mirrors"
    )
    is_enabled = models.BooleanField(default=True)
    sync_interval = models.PositiveIntegerField(help_text="Seconds between syncs.")
    sync_start_date = models.DateTimeField()
    sync_status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.NEVER_RUN)
    # The next run (Quay's name): a worker claims the mirror once it has passed. While SYNCING it
    # is the claim's deadline, after which a worker that died is presumed gone.
    sync_expiration_date = models.DateTimeField()
    last_started = models.DateTimeField(null=True, blank=True)
    last_finished = models.DateTimeField(null=True, blank=True)
    tags_synced = models.PositiveIntegerField(default=0)
    tags_deleted = models.PositiveIntegerField(default=0)
    bytes_copied = models.BigIntegerField(default=0)
    bytes_skipped = models.BigIntegerField(default=0)
    # Per-tag errors of the last sync: {tag: reason}.
    errors = models.JSONField(default=dict, blank=True)
    failed_reason = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The claim: enabled mirrors whose next run has passed, earliest first, one range scan.
        indexes = [models.Index(fields=["is_enabled", "sync_expiration_date"], name="mirror_due")]

    def __str__(self) -> str:
        return f"{self.repository_id} <- {self.external_reference}"

    def credentials(self) -> tuple[str, str] | None:
        """(username, password) for the upstream, or None for an anonymous one."""
        if not self.username:
            return None
        return self.username, secret_decrypt(self.password) if self.password else ""

    def sync_running(self, now: datetime) -> bool:
        """A worker holds the claim: SYNCING, or SYNC_CANCEL asked of a sync not yet stopped, and
        the claim's deadline not passed (past it the worker is presumed dead)."""
        claimed = self.last_started is not None and (
            self.last_finished is None or self.last_finished < self.last_started
        )
        return (
            self.sync_status in (self.SyncStatus.SYNCING, self.SyncStatus.SYNC_CANCEL)
            and claimed
            and self.sync_expiration_date > now
        )

    def proxy_url(self) -> str:
        """The one proxy the upstream client takes: HTTPS's, else HTTP's, else none ("")."""
        return self.proxy.get("https_proxy") or self.proxy.get("http_proxy") or ""
