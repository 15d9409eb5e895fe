"""RadosGW, NooBaa (RHOCS) and CloudFront-fronted S3 under Quay's option names, on moto."""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from registry.storage import driver_build, storage_for, storage_verify
from registry.storage.base import StorageConfigError
from registry.storage.cloudfront import CloudFrontedS3Storage
from registry.storage.radosgw import RadosGWStorage, RHOCSStorage
from tests.storage_servers import S3Endpoint


@pytest.mark.parametrize("name, cls", [("RadosGWStorage", RadosGWStorage), ("RHOCSStorage", RHOCSStorage)])
def test_quay_option_names_reach_the_bucket(s3_server: S3Endpoint, name: str, cls: type) -> None:
    options = s3_server.quay_options()
    driver = driver_build("onprem", [name, options])
    assert isinstance(driver, RadosGWStorage) and isinstance(driver, cls)

    with driver.writer("blobs/x") as writer:
        writer.write(b"on premise")
        writer.commit()

    key = f"{options['storage_path']}/blobs/x"
    assert driver.client.get_object(Bucket=s3_server.bucket, Key=key)["Body"].read() == b"on premise"
    assert driver.client.meta.endpoint_url == f"http://{s3_server.host}:{s3_server.port}"


def test_radosgw_without_hostname_is_refused_with_what_it_accepts() -> None:
    with pytest.raises(StorageConfigError) as refused:
        driver_build("onprem", ["RadosGWStorage", {"bucket_name": "b", "access_key": "k", "secret_key": "s"}])

    message = str(refused.value)
    assert "'onprem'" in message and "RadosGWStorage needs hostname" in message and "is_secure" in message


def test_radosgw_refuses_aws_option_names() -> None:
    with pytest.raises(StorageConfigError, match="unknown option.*s3_bucket.*for RadosGWStorage"):
        driver_build("onprem", ["RadosGWStorage", {"hostname": "rgw", "s3_bucket": "b"}])


def test_start_up_check_refuses_a_missing_bucket(settings, s3_server: S3Endpoint) -> None:
    options = {**s3_server.quay_options(), "bucket_name": "no-such-bucket"}
    settings.STORAGE_CONFIG = {"onprem": ["RHOCSStorage", options]}
    storage_for.cache_clear()

    with pytest.raises(StorageConfigError, match="'onprem'.*no-such-bucket.*does not exist"):
        storage_verify("onprem")


def _cloudfront_b64decode(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


def test_cloudfront_redirect_is_signed_with_the_key_pair(
    cloudfront_driver: CloudFrontedS3Storage, cloudfront_key_file: Path
) -> None:
    url = cloudfront_driver.redirect_url("blobs/pulled", expires_in=60)

    assert url is not None
    parts = urllib.parse.urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "d111111abcdef8.cloudfront.net")
    assert parts.path == f"/{cloudfront_driver.prefix}/blobs/pulled"
    query = urllib.parse.parse_qs(parts.query)
    assert query["Key-Pair-Id"] == ["K2JCJMDEHXQW5F"]
    # The canned policy CloudFront checks: this URL, until the expiry, signed with the private key.
    expires = int(query["Expires"][0])
    policy = (
        f'{{"Statement":[{{"Resource":"{url.split("?")[0]}","Condition":'
        f'{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}'
    )
    key = serialization.load_pem_private_key(cloudfront_key_file.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    key.public_key().verify(
        _cloudfront_b64decode(query["Signature"][0]), policy.encode(), padding.PKCS1v15(), hashes.SHA1()
    )


def test_cloudfront_without_a_readable_key_is_refused(s3_server: S3Endpoint, tmp_path: Path) -> None:
    options = {
        **s3_server.driver_options(),
        "cloudfront_distribution_domain": "d.cloudfront.net",
        "cloudfront_key_id": "K",
        "cloudfront_privatekey_filename": str(tmp_path / "missing.pem"),
    }
    with pytest.raises(StorageConfigError, match="'cdn'.*cloudfront_privatekey_filename"):
        driver_build("cdn", ["CloudFrontedS3Storage", options])


def test_cloudfront_accepts_the_s3_options_and_refuses_others(cloudfront_key_file: Path) -> None:
    with pytest.raises(
        StorageConfigError, match="unknown option.*bogus.*accepted:.*cloudfront_key_id.*s3_bucket"
    ):
        driver_build("cdn", ["CloudFrontedS3Storage", {"s3_bucket": "b", "bogus": 1}])
