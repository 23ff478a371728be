"""Job and result documents named by URI (s3://, s3a://, file:, ...), read and written through Spark's
Hadoop FileSystem API, so every scheme the cluster's Hadoop configuration knows works (on EMR, s3://
is EMRFS with the job execution role's credentials). Plain paths stay plain files.
"""

from __future__ import annotations

import re

# A scheme of two or more characters: "s3://b/k", "file:/tmp/x", "file:///tmp/x" (not "C:\\x").
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def is_uri(ref: str) -> bool:
    """e.g. "s3://bucket/job.json" -> True, "/tmp/job.json" -> False, "job.json" -> False."""
    return bool(_SCHEME.match(ref))


def _file_system(spark, uri: str):
    path = spark._jvm.org.apache.hadoop.fs.Path(uri)
    return path.getFileSystem(spark._jsc.hadoopConfiguration()), path


def read_bytes(spark, uri: str) -> bytes:
    """The object's bytes as stored (a job document's sha256 is taken over them)."""
    fs, path = _file_system(spark, uri)
    stream = fs.open(path)
    try:
        # FSDataInputStream is a DataInput; py4j hands the byte[] back as Python bytes.
        data = spark._jvm.org.apache.hadoop.io.IOUtils.readFullyToByteArray(stream)
    finally:
        stream.close()
    return bytes(data)


def read_text(spark, uri: str) -> str:
    return read_bytes(spark, uri).decode("utf-8")


def write_text(spark, uri: str, text: str) -> None:
    """Creates or overwrites the object (parents are created); on S3 it appears whole on close."""
    fs, path = _file_system(spark, uri)
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()
