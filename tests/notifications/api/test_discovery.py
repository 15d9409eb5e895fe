"""The notification operations are in the discovery document under Quay's nicknames."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_discovery_document_lists_every_notification_operation(client):
    paths = client.get("/api/v1/discovery").json()["paths"]
    operations = {operation["operationId"] for methods in paths.values() for operation in methods.values()}
    assert {
        "listRepoNotifications",
        "createRepoNotification",
        "getRepoNotification",
        "deleteRepoNotification",
        "resetRepositoryNotificationFailures",
        "testRepoNotification",
        "listRepoNotificationAttempts",
        "listOrgNotifications",
        "createOrgNotification",
        "getOrgNotification",
        "deleteOrgNotification",
        "resetOrgNotificationFailures",
        "testOrgNotification",
        "listOrgNotificationAttempts",
        "listUserNotifications",
        "getUserNotification",
        "updateUserNotification",
    } <= operations
    assert "/api/v1/repository/{repository}/notification/{uuid}/test" in paths
