"""Users, the role matrix, per-operation grants and the audit log."""
