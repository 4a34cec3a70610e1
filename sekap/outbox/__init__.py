"""Durable e-mail: a message is a row, sent after commit and retried by beat until it goes."""
