"""The S3 path, against a local S3-compatible server (moto's) started by the tests on 127.0.0.1."""
from __future__ import annotations

import io
import urllib.request
from collections.abc import Iterator

import boto3
import numpy as np
import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile

from apps.lab import services
from apps.lab.storage import S3Storage, lab_storage, storage_put
from tests.lab.factories import submitted
from tests.ports import free_port

BUCKET = "lab-artefacts"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                 region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> S3Storage:
    return S3Storage(BUCKET, endpoint_url=s3_endpoint, location="test", **CREDENTIALS)


def test_objects_round_trip_with_their_content_type(s3):
    # when
    name = storage_put(s3, "lab/1/2/field.png", b"\x89PNG fake", "image/png")
    # then
    head = s3.client.head_object(Bucket=BUCKET, Key="test/lab/1/2/field.png")
    assert name == "lab/1/2/field.png" and head["ContentType"] == "image/png"
    assert s3.exists(name) and s3.size(name) == 9
    with s3.open(name) as fh:
        assert fh.read() == b"\x89PNG fake"


def test_saving_again_replaces_the_object_instead_of_renaming(s3):
    # given
    s3.save("lab/1/3/metrics.json", ContentFile(b'{"a": 1}'))
    # when
    name = s3.save("lab/1/3/metrics.json", ContentFile(b'{"a": 2}'))
    # then
    assert name == "lab/1/3/metrics.json" and s3.open(name).read() == b'{"a": 2}'


def test_deleted_and_missing_objects_do_not_exist(s3):
    # given
    storage_put(s3, "lab/1/4/x.npz", b"x", "application/octet-stream")
    # when
    s3.delete("lab/1/4/x.npz")
    # then
    assert not s3.exists("lab/1/4/x.npz")
    with pytest.raises(FileNotFoundError):
        s3.open("lab/1/4/x.npz")
    with pytest.raises(FileNotFoundError):
        s3.size("lab/1/4/x.npz")


def test_listing_a_directory_gives_its_files_and_subdirectories(s3):
    # given
    for name in ("lab/9/1/a.png", "lab/9/1/b.json", "lab/9/2/c.png"):
        storage_put(s3, name, b"1", "image/png")
    # when
    job_dirs, top_files = s3.listdir("lab/9")
    _, files = s3.listdir("lab/9/1")
    # then
    assert sorted(job_dirs) == ["1", "2"] and top_files == [] and sorted(files) == ["a.png", "b.json"]


def test_urls_are_presigned_and_download_the_object(s3):
    # given
    storage_put(s3, "lab/1/5/field.png", b"picture", "image/png")
    # when
    url = s3.url("lab/1/5/field.png")
    # then
    assert "Signature" in url or "X-Amz-Signature" in url
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"picture"


def test_names_that_climb_out_of_the_prefix_are_refused(s3):
    # then
    with pytest.raises(SuspiciousFileOperation):
        s3.exists("../../etc/passwd")


@pytest.mark.django_db
def test_a_job_stores_its_artefacts_in_the_bucket_and_the_api_streams_them(tenant, api, settings, s3_endpoint):
    # given
    settings.STORAGES = {**settings.STORAGES, "lab": {"BACKEND": "apps.lab.storage.S3Storage", "OPTIONS": {
        "bucket_name": BUCKET, "endpoint_url": s3_endpoint, "location": "api", **CREDENTIALS}}}
    job = submitted(tenant)
    # when
    services.job_run(job_id=job.pk, delivery="task-1")
    download = api.get(f"/api/v1/lab/jobs/{job.pk}/artefacts/fields.npz/")
    # then
    job.refresh_from_db()
    assert isinstance(lab_storage(), S3Storage) and job.status == "succeeded"
    keys = {o["Key"] for o in lab_storage().client.list_objects_v2(Bucket=BUCKET, Prefix="api/")["Contents"]}
    assert {f"api/{a['path']}" for a in job.artefacts} == keys and len(keys) == 5
    assert np.load(io.BytesIO(b"".join(download.streaming_content)))["fields"].shape == (4, 32, 32)
