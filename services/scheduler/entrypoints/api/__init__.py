"""The scheduler's JSON API."""
