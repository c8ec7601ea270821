"""Helpers for testing code against a real lenticular: a server fixture and boto3 clients."""
