"""What the Azure driver promises beyond the contract, against Azurite (which checks SAS signatures)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from registry.storage import driver_build, storage_check_config, storage_for
from registry.storage.azure import AzureStorage
from registry.storage.base import StorageConfigError
from tests.storage_servers import AzureEndpoint


def _put(driver: AzureStorage, path: str, data: bytes) -> None:
    with driver.writer(path) as writer:
        writer.write(data)
        writer.commit()


def test_redirect_url_serves_the_bytes(azure_driver: AzureStorage) -> None:
    _put(azure_driver, "blobs/redirected", b"fetched directly")

    url = azure_driver.redirect_url("blobs/redirected", expires_in=60)

    assert url is not None
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"fetched directly"


def test_redirect_url_with_a_forged_signature_is_refused(azure_driver: AzureStorage) -> None:
    _put(azure_driver, "blobs/guarded", b"x")
    url = azure_driver.redirect_url("blobs/guarded", expires_in=60)
    assert url is not None and "sig=" in url

    forged = url.replace("sig=", "sig=AAAA")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 403


def test_objects_live_under_storage_path(azure_driver: AzureStorage) -> None:
    _put(azure_driver, "blobs/prefixed", b"xyz")

    blob = azure_driver.container.get_blob_client(f"{azure_driver.prefix}/blobs/prefixed")
    assert blob.get_blob_properties().size == 3


def test_start_up_refuses_a_missing_container(settings, azurite_server: AzureEndpoint) -> None:
    options = {**azurite_server.driver_options(), "azure_container": "no-such-container"}
    settings.STORAGE_CONFIG = {"eu": ["AzureStorage", options]}
    storage_for.cache_clear()

    with pytest.raises(StorageConfigError, match="'eu'.*no-such-container.*does not exist"):
        storage_check_config()


def test_start_up_refuses_a_wrong_account_key(settings, azurite_server: AzureEndpoint) -> None:
    options = {**azurite_server.driver_options(), "azure_account_key": "d3Jvbmcga2V5"}
    settings.STORAGE_CONFIG = {"eu": ["AzureStorage", options]}
    storage_for.cache_clear()

    with pytest.raises(StorageConfigError, match="'eu'.*not usable"):
        storage_check_config()


def test_missing_container_option_names_location_driver_and_accepted_options() -> None:
    with pytest.raises(StorageConfigError) as refused:
        driver_build("eu", ["AzureStorage", {"azure_account_name": "a"}])

    message = str(refused.value)
    assert "'eu'" in message and "AzureStorage" in message and "azure_container" in message
    assert "sas_token" in message and "endpoint_url" in message


def test_unknown_azure_option_is_rejected_by_name() -> None:
    with pytest.raises(StorageConfigError, match="azure_bogus"):
        driver_build("eu", ["AzureStorage", {"azure_container": "c", "azure_bogus": 1}])
