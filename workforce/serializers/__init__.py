"""Serializers of the workforce API, one module per domain (as workforce/api/)."""
