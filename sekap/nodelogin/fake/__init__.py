"""A local stand-in for the national login node (login.gov.pl), speaking the same protocol.

Used by the embedded default (``make run``) and the tests; off in production unless
``NODELOGIN_FAKE`` is set. It verifies the platform's signed AuthnRequest, lets the tester pick a
test person, issues an artifact, and answers the signed SOAP ArtifactResolve with a signed
ArtifactResponse carrying a signed assertion encrypted to the platform.
"""
