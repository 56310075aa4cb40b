"""The audit trail: who did what to which record, sealed into a per-organisation hash chain."""
