"""The validation report: ETSI EN 319 102-1 indications and a stable JSON schema.

The JSON shape is documented in ``signatures/REPORT_SCHEMA.md``; bump ``SCHEMA_VERSION`` on any
incompatible change.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

SCHEMA_VERSION = "1.0"


class Indication(enum.StrEnum):
    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"
    PASSED = "PASSED"
    FAILED = "FAILED"


class SubIndication(enum.StrEnum):
    # TOTAL_FAILED
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    # INDETERMINATE
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    # DSS extension, used for the document-level result only
    NO_SIGNATURE_FOUND = "NO_SIGNATURE_FOUND"


_RANK = {Indication.TOTAL_FAILED: 0, Indication.INDETERMINATE: 1, Indication.TOTAL_PASSED: 2}


@dataclass
class Message:
    code: str
    message: str


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial_number: str
    sha256: str
    not_before: str
    not_after: str
    role: str  # SIGNING | CA | TRUST_ANCHOR | TIMESTAMP


@dataclass(frozen=True)
class SignerInfo:
    subject: str
    issuer: str
    serial_number: str
    common_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    organization: str | None = None
    pesel: str | None = None
    nip: str | None = None
    key_usage: list[str] = field(default_factory=list)
    # ETSI EN 319 412-5 QCStatements, as the certificate states them (trust is the path's job)
    qualified: bool = False  # QcCompliance
    qc_type: str | None = None  # "esign" | "eseal" | "web" (QcType)


@dataclass
class TrustedProfileIdentity:
    given_name: str
    surname: str
    pesel: str
    account_id: str
    source: str = "signed-properties"


@dataclass
class ScopeEntry:
    uri: str
    kind: str  # FULL_DOCUMENT | ELEMENT | SIGNED_PROPERTIES | DETACHED | OBJECT
    element: str | None
    digest_algorithm: str
    transforms: list[str]


@dataclass
class TimestampInfo:
    type: str  # SIGNATURE_TIMESTAMP
    indication: str
    sub_indication: str | None
    generation_time: str | None
    tsa: str | None
    serial_number: str | None
    errors: list[Message] = field(default_factory=list)


@dataclass
class RevocationInfo:
    certificate_sha256: str
    source: str  # OCSP | CRL
    origin: str  # FETCHED | EMBEDDED | CACHED
    url: str | None
    this_update: str | None
    next_update: str | None
    status: str  # GOOD | REVOKED | UNKNOWN
    revocation_time: str | None = None


@dataclass
class SignatureReport:
    id: str | None
    indication: str
    sub_indication: str | None
    signature_format: str | None = None
    signature_level: str | None = None
    signature_method: str | None = None
    claimed_signing_time: str | None = None
    best_signature_time: str | None = None
    signed_by: SignerInfo | None = None
    # QESig | QESeal | AdESig-QC | AdESeal-QC | AdES from the trusted lists (passing signatures)
    qualification: str | None = None
    trusted_profile: TrustedProfileIdentity | None = None
    certificates: list[CertificateInfo] = field(default_factory=list)
    revocation: list[RevocationInfo] = field(default_factory=list)
    timestamps: list[TimestampInfo] = field(default_factory=list)
    scope: list[ScopeEntry] = field(default_factory=list)
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)

    def error(self, code: str, message: str) -> None:
        self.errors.append(Message(code, message))

    def warn(self, code: str, message: str) -> None:
        self.warnings.append(Message(code, message))

    @property
    def passed(self) -> bool:
        return self.indication == Indication.TOTAL_PASSED


@dataclass
class ValidationReport:
    indication: str
    sub_indication: str | None
    validation_time: str
    policy: str
    document_sha256: str
    signatures: list[SignatureReport] = field(default_factory=list)
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    # Not serialised. The verified content of passing signatures: the elements whose canonical
    # form was digested, and those canonical octets (read these, never the raw document).
    signed_content: list[Any] = field(default_factory=list, repr=False, compare=False)
    signed_data: list[bytes] = field(default_factory=list, repr=False, compare=False)

    @property
    def signatures_count(self) -> int:
        return len(self.signatures)

    @property
    def valid_signatures_count(self) -> int:
        return sum(1 for s in self.signatures if s.passed)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("signed_content", None)
        data.pop("signed_data", None)
        data["signatures_count"] = self.signatures_count
        data["valid_signatures_count"] = self.valid_signatures_count
        return data

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, **kwargs)


def overall(signatures: list[SignatureReport]) -> tuple[str, str | None]:
    """The document-level result: the worst signature's result, first in document order."""
    if not signatures:
        return Indication.TOTAL_FAILED, SubIndication.NO_SIGNATURE_FOUND
    worst = min(signatures, key=lambda s: _RANK.get(Indication(s.indication), 0))
    return worst.indication, worst.sub_indication


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
