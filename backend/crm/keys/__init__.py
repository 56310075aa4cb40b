"""Key management: data key rotation (a resumable job), master key rewrap, and the `crm keys` commands."""
