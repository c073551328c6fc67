"""Upload rules: what metadata is valid, what content is accepted, when limits trip. No I/O here."""

from __future__ import annotations

import hashlib
import json
import re
import zlib
import zoneinfo
from dataclasses import dataclass, field

from loglens_common.errors import FieldViolation, InvalidArgument, ResourceExhausted
from loglens_common.text import unsafe_character, visible_name

MAX_CHUNK_BYTES = 1024 * 1024
MAX_FILENAME = 255
MAX_LABELS = 64
# Whole-string rules: always fullmatch (re.match with "$" also accepts a trailing newline).
LABEL_KEY = re.compile(r"[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?")
SERVICE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,126}[A-Za-z0-9])?")
REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
SHA256 = re.compile(r"[0-9a-f]{64}")
# A file's name is kept as given, bidi and zero-width characters included (it is shown escaped); controls are not.
FILENAME_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The shape of an IANA zone name ("UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"): no
# dots, no leading slash, no backslash, so a name can never walk out of the zone database.
ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}")
MAX_ZONE_NAME = 64
# Files of the zone database that load but name no place: "localtime" is whatever zone the server's host is
# set to, "posixrules" is an internal default, and the "right/" zones count leap seconds, which log times never do.
NOT_ZONES = ("localtime", "posixrules")
MIN_YEAR, MAX_YEAR = 1970, 9999
SNIFF_BYTES = 64 * 1024

# Magic numbers of formats that are never log text.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", "a Windows (PE) executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"7z\xbc\xaf", "a 7z archive"),
    (b"Rar!", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"SQLite format 3", "an SQLite database"),
)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class UploadMetadata:
    filename: str
    content_type: str
    labels: dict[str, str]
    service: str
    request_id: str
    declared_size: int | None
    declared_sha256: str
    analyze: bool
    time_zone: str = ""  # IANA name, "" for none
    year: int | None = None


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA time zone this server knows, or None if it is one."""
    known = (
        len(name) <= MAX_ZONE_NAME
        and ZONE_NAME.fullmatch(name) is not None
        and name not in NOT_ZONES
        and not name.startswith("right/")
    )
    if known:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            known = False
    if known:
        return None
    shown = json.dumps(name if len(name) <= MAX_ZONE_NAME else name[:MAX_ZONE_NAME] + "\u2026", ensure_ascii=False)
    return f'unknown time zone {shown}: use an IANA name such as "Europe/Berlin" or "UTC"'


def validate_metadata(
    filename: str,
    content_type: str,
    labels: dict[str, str],
    service: str,
    request_id: str,
    declared_size: int | None,
    declared_sha256: str,
    analyze: bool,
    max_bytes: int,
    time_zone: str = "",
    year: int | None = None,
) -> UploadMetadata:
    violations: list[FieldViolation] = []
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if not base:
        violations.append(FieldViolation("metadata.filename", "required: the log file's name"))
    elif len(base) > MAX_FILENAME:
        violations.append(FieldViolation("metadata.filename", f"at most {MAX_FILENAME} characters"))
    elif base in (".", ".."):
        violations.append(FieldViolation("metadata.filename", "must be a file's name, not '.' or '..'"))
    elif problem := unsafe_character(base, FILENAME_CONTROL):
        violations.append(FieldViolation("metadata.filename", problem))
    if len(content_type) > 255 or unsafe_character(content_type):
        violations.append(FieldViolation("metadata.content_type", "at most 255 printable characters"))
    if len(labels) > MAX_LABELS:
        violations.append(FieldViolation("metadata.labels", f"at most {MAX_LABELS} labels"))
    for key, value in labels.items():
        field = f"metadata.labels['{visible_name(key)}']"
        if not LABEL_KEY.fullmatch(key):
            why = unsafe_character(key)
            violations.append(
                FieldViolation(field, f"the key {why}" if why else "keys: lowercase letters, digits, _ . -, <= 63")
            )
        if len(value) > 255:
            violations.append(FieldViolation(field, "values: at most 255 characters"))
        elif problem := unsafe_character(value):
            violations.append(FieldViolation(field, f"the value {problem}"))
    if service and not SERVICE.fullmatch(service):
        why = unsafe_character(service)
        violations.append(
            FieldViolation(
                "metadata.service",
                why or "letters, digits, _ . -, at most 128, starting and ending with a letter or digit",
            )
        )
    if request_id and not REQUEST_ID.fullmatch(request_id):
        why = unsafe_character(request_id)
        violations.append(FieldViolation("metadata.request_id", why or "letters, digits, _ . : -, at most 128"))
    if declared_size == 0:  # the same answer as for an empty stream, whether the size was declared or not
        raise empty_file()
    if declared_size is not None and declared_size < 0:
        violations.append(FieldViolation("metadata.declared_size_bytes", "must be at least 1"))
    if declared_sha256 and not SHA256.fullmatch(declared_sha256):
        violations.append(FieldViolation("metadata.declared_sha256", "64 lowercase hex digits"))
    zone_error = zone_problem(time_zone) if time_zone else None
    if zone_error:
        violations.append(FieldViolation("metadata.time_zone", zone_error))
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        violations.append(
            FieldViolation(
                "metadata.year", f"the year {year} is out of range: give a year from {MIN_YEAR} to {MAX_YEAR}"
            )
        )
    if violations:
        raise InvalidArgument(
            "the upload's metadata is invalid: " + "; ".join(f"{v.field}: {v.description}" for v in violations),
            reason="INVALID_METADATA",
            violations=violations,
        )
    if declared_size is not None and declared_size > max_bytes:  # refuse before a single byte is sent
        raise _too_large(max_bytes)
    return UploadMetadata(
        filename=base,
        content_type=content_type,
        labels=dict(labels),
        service=service,
        request_id=request_id,
        declared_size=declared_size,
        declared_sha256=declared_sha256,
        analyze=analyze,
        time_zone=time_zone,
        year=year,
    )


def empty_file() -> InvalidArgument:
    return InvalidArgument("the file is empty; there is nothing to analyse", reason="EMPTY_FILE")


def _too_large(max_bytes: int) -> ResourceExhausted:
    """The one refusal for the size limit, whether declared up front or found while streaming."""
    return ResourceExhausted(
        f"the file is larger than the {max_bytes}-byte upload limit; nothing was kept",
        reason="FILE_TOO_LARGE",
        metadata={"limit_bytes": str(max_bytes)},
    )


def binary_reason(head: bytes) -> str | None:
    """Why ``head`` (the first bytes of the text, decompressed) is not a log, or None if it may be one."""
    for magic, what in BINARY_MAGIC:
        if head.startswith(magic):
            return f"the file is {what}, not a text log"
    if not head:
        return None
    nuls = head.count(0)
    if nuls > len(head) // 10:
        return f"the file is {100 * nuls // len(head)}% NUL bytes: binary data, not a text log"
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls > len(head) // 5:
        return "the file is mostly control bytes: binary data, not a text log"
    return None


def gzip_head(head: bytes) -> bytes:
    """The first decompressed bytes of a gzip stream, for sniffing (bounded, never the whole file)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, SNIFF_BYTES)
    except zlib.error:
        raise InvalidArgument("the file starts like gzip but is not valid gzip data", reason="CORRUPT_GZIP") from None


@dataclass
class UploadTally:
    """Size and SHA-256 of the bytes as they stream past, and the content rules checked on the way."""

    max_bytes: int
    size: int = 0
    gzip: bool = False
    _sha: hashlib._Hash = field(default_factory=hashlib.sha256)
    _head: bytearray = field(default_factory=bytearray)
    _sniffed: bool = False

    def add(self, chunk: bytes) -> None:
        if len(chunk) > MAX_CHUNK_BYTES:
            raise InvalidArgument(
                f"a chunk of {len(chunk)} bytes is over the 1 MiB chunk limit; send smaller chunks",
                reason="CHUNK_TOO_LARGE",
                violations=[FieldViolation("chunk", f"at most {MAX_CHUNK_BYTES} bytes")],
            )
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise _too_large(self.max_bytes)
        self._sha.update(chunk)
        if not self._sniffed:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
            if len(self._head) >= SNIFF_BYTES:
                self.sniff()

    def sniff(self) -> None:
        """Refuse binaries as early as possible: at 64 KiB, or at the end for smaller files."""
        if self._sniffed:
            return
        self._sniffed = True
        head = bytes(self._head)
        self.gzip = head.startswith(GZIP_MAGIC)
        text = gzip_head(head) if self.gzip else head
        reason = binary_reason(text)
        if reason:
            raise InvalidArgument(reason + "; upload text logs (plain or gzip)", reason="BINARY_CONTENT")
        self._head = bytearray()

    def finish(self, declared_size: int | None, declared_sha256: str) -> str:
        if self.size == 0:
            raise empty_file()
        self.sniff()
        digest = self._sha.hexdigest()
        if declared_size is not None and declared_size != self.size:
            raise InvalidArgument(
                f"received {self.size} bytes but the metadata declared {declared_size}; nothing was kept",
                reason="SIZE_MISMATCH",
                violations=[FieldViolation("metadata.declared_size_bytes", "does not match the bytes sent")],
            )
        if declared_sha256 and declared_sha256 != digest:
            raise InvalidArgument(
                f"the bytes' SHA-256 is {digest}, not the declared {declared_sha256}; nothing was kept",
                reason="CHECKSUM_MISMATCH",
                violations=[FieldViolation("metadata.declared_sha256", "does not match the bytes sent")],
            )
        return digest
