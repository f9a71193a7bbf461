"""Instructors' own banks: upload with preview, settings, editing, and the report queue."""
