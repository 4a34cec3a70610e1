"""Logging in through the national login node (Węzeł Krajowy, login.gov.pl).

SAML 2.0 service provider built on pysaml2: a signed AuthnRequest sent to the node, the
response returned as an artifact (HTTP-Artifact binding) and resolved over the signed SOAP back
channel, the assertion encrypted to the platform and signed by the node. ``fake/`` is a local
node speaking the same protocol for the embedded default and tests. See
docs/decisions/nodelogin.md.
"""
