"""Writes of the certificate authority: one function per state change."""
