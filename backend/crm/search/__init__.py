"""Semantic + full-text search over contacts, companies, deals and activities (issue 6 item 7)."""
