"""Local fakes of third-party SaaS APIs (SendGrid, Twilio, Pinecone): loopback HTTP servers that
speak the vendor's documented wire format, so the vendor's own SDK can drive them (DESIGN.md §4.9)."""
