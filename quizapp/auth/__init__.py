"""Accounts, roles, sign-in and password management."""
