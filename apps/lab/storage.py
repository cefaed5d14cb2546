"""Where job artefacts live: Django's storage API, local files by default, S3 (or any S3-compatible server)
through boto3 when configured.

`lab_storage()` is the `lab` alias of settings.STORAGES when one is defined (so artefacts can go to a bucket
while the rest of the site keeps local media) and the default storage otherwise. `S3Storage` is a small Storage
over boto3; its settings use django-storages' names, so that package can replace it without a settings change:

    STORAGES["lab"] = {"BACKEND": "apps.lab.storage.S3Storage", "OPTIONS": {"bucket_name": "lab-artefacts"}}
    AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_STORAGE_BUCKET_NAME
"""
from __future__ import annotations

import io
import mimetypes
import posixpath
from datetime import datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.utils.deconstruct import deconstructible

LAB_ALIAS = "lab"
URL_EXPIRY_S = 300  # presigned download links outlive a page view, not a leaked log line


def lab_storage() -> Storage:
    if LAB_ALIAS in settings.STORAGES:
        return storages[LAB_ALIAS]
    return default_storage


def storage_put(storage: Storage, path: str, content: bytes, content_type: str) -> str:
    """Writes `content` at exactly `path`, replacing what is there: a re-run job overwrites its own artefacts
    instead of collecting suffixed copies (FileSystemStorage would otherwise rename the new file)."""
    if storage.exists(path):
        storage.delete(path)
    file = ContentFile(content, name=posixpath.basename(path))
    file.content_type = content_type  # type: ignore[attr-defined]
    saved = storage.save(path, file)
    if saved != path:
        raise SuspiciousFileOperation(f"storage wrote {saved!r} instead of {path!r}")
    return saved


@deconstructible
class S3Storage(Storage):
    """Objects in one bucket under an optional key prefix. Saving overwrites (keys are chosen by the caller)."""

    def __init__(self, bucket_name: str | None = None, *, endpoint_url: str | None = None,
                 region_name: str | None = None, access_key: str | None = None, secret_key: str | None = None,
                 location: str = "", url_expiry_s: int = URL_EXPIRY_S) -> None:
        self.bucket_name = bucket_name or getattr(settings, "AWS_STORAGE_BUCKET_NAME", None)
        if not self.bucket_name:
            raise ImproperlyConfigured("S3Storage needs a bucket_name option or AWS_STORAGE_BUCKET_NAME.")
        self.endpoint_url = endpoint_url or getattr(settings, "AWS_S3_ENDPOINT_URL", None)
        self.region_name = region_name or getattr(settings, "AWS_S3_REGION_NAME", None)
        self.access_key = access_key or getattr(settings, "AWS_ACCESS_KEY_ID", None)
        self.secret_key = secret_key or getattr(settings, "AWS_SECRET_ACCESS_KEY", None)
        self.location = location.strip("/")
        self.url_expiry_s = url_expiry_s
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region_name,
                                        aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)
        return self._client

    def _key(self, name: str) -> str:
        clean = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
        if clean.startswith("..") or clean in ("", "."):
            raise SuspiciousFileOperation(f"invalid object name {name!r}")
        return f"{self.location}/{clean}" if self.location else clean

    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        content_type = getattr(content, "content_type", None) or mimetypes.guess_type(name)[0] \
            or "application/octet-stream"
        self.client.put_object(Bucket=self.bucket_name, Key=self._key(name), Body=content.read(),
                               ContentType=content_type)
        return name

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode:
            raise ValueError("S3Storage opens objects for reading only; use save() to write")
        try:
            body = self.client.get_object(Bucket=self.bucket_name, Key=self._key(name))["Body"]
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(name) from exc
        return File(_Streaming(body), name=name)  # type: ignore[arg-type]  # any file-like; the stub wants IO

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name  # keys are deterministic per job and file; writing again replaces

    def exists(self, name: str) -> bool:
        return self._head(name) is not None

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket_name, Key=self._key(name))

    def size(self, name: str) -> int:
        return int(self._require(name)["ContentLength"])

    def get_modified_time(self, name: str) -> datetime:
        return self._require(name)["LastModified"]

    def url(self, name: str | None) -> str:
        if name is None:
            raise ValueError("an object key is needed for a URL")
        return self.client.generate_presigned_url("get_object", ExpiresIn=self.url_expiry_s,
                                                  Params={"Bucket": self.bucket_name, "Key": self._key(name)})

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = self._key(path).rstrip("/") + "/" if path.strip("/") else (f"{self.location}/" if self.location
                                                                            else "")
        dirs, files = [], []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket_name, Prefix=prefix,
                                                                          Delimiter="/"):
            dirs += [p["Prefix"][len(prefix):].rstrip("/") for p in page.get("CommonPrefixes", [])]
            files += [o["Key"][len(prefix):] for o in page.get("Contents", [])]
        return dirs, files

    def _head(self, name: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket_name, Key=self._key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def _require(self, name: str) -> dict[str, Any]:
        head = self._head(name)
        if head is None:
            raise FileNotFoundError(name)
        return head


class _Streaming(io.RawIOBase):
    """A read-only file over botocore's StreamingBody, so downloads stream instead of loading whole objects."""

    def __init__(self, body: BinaryIO) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._body.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._body.close()
        super().close()
