"""Relais's own shared package: what all three services use.

Configuration, database sessions, errors, logging, the service-to-service
client and its auth, and the common Flask plumbing. No service's domain logic.
"""
