"""Question banks: versioned storage, the native file format, blueprints and the bank browser."""
