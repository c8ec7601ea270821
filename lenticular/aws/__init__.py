"""AWS request authentication: reading and verifying signatures, and who signed a request."""
