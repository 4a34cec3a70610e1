"""Qualified status of a passing signature from the trusted lists (ETSI TS 119 615, simplified).

The signing certificate's path ends at a trust anchor; when that anchor is a granted CA/QC
service imported from a trusted list, the certificate is qualified if it states QcCompliance
or the service's qualifiers say so (``QCStatement``), unless ``NotQualified``; it is for
signatures or seals from its QcType, else the qualifiers (``QCForESig``/``QCForESeal``), else
the service's AdditionalServiceInformation; its key is on a QSCD if the certificate states
QcSSCD or the service qualifies it ``QCWithQSCD``/``QCQSCDManagedOnBehalf``, unless
``QCNoQSCD``. Names as EU DSS reports them: ``QESig``, ``QESeal``, ``AdESig-QC``,
``AdESeal-QC``; ``AdES`` for a signature whose anchor is not a qualified service.
Not covered: the service's status history (the status at signing time is taken to be the
current one) and the ``CriteriaList`` of qualifiers (a qualifier applies to the service's
certificates).
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography import x509

from signatures import xades

QC_SSCD = "0.4.0.1862.1.4"
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"


def _sscd(cert: x509.Certificate) -> bool:
    try:
        raw = cert.extensions.get_extension_for_oid(xades.QC_STATEMENTS).value.value
        return any(s["statement_id"].dotted == QC_SSCD for s in xades._QcStatements.load(raw))
    except Exception:
        return False


def qualification(
    *,
    signing_certificate: x509.Certificate,
    anchor_sha256: str | None,
    services: Mapping[str, tuple[str, frozenset[str]]],
) -> str:
    """``services``: trust-anchor SHA-256 -> (service type, qualifier and additional-info
    tokens) of the trusted-list services."""
    service = services.get(anchor_sha256 or "")
    if service is None or service[0] != CA_QC:
        return "AdES"
    tokens = service[1]
    compliance, qc_type = xades.qc_statements(signing_certificate)
    qualified = (compliance or "QCStatement" in tokens) and "NotQualified" not in tokens
    if not qualified:
        return "AdES"
    kind = qc_type
    if kind is None:
        # A QC without a stated type is for signatures (eIDAS Annex I) unless the service
        # says seals only.
        seals_only = "ForeSeals" in tokens and "ForeSignatures" not in tokens
        kind = "eseal" if "QCForESeal" in tokens or seals_only else "esign"
    if kind not in ("esign", "eseal"):
        return "AdES"
    qscd = (
        _sscd(signing_certificate) or bool(tokens & {"QCWithQSCD", "QCQSCDManagedOnBehalf"})
    ) and "QCNoQSCD" not in tokens
    if kind == "esign":
        return "QESig" if qscd else "AdESig-QC"
    return "QESeal" if qscd else "AdESeal-QC"


__all__ = ["qualification"]
