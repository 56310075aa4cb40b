"""Outgoing messages: email drivers, the outbox, and the job that delivers."""
