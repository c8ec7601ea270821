"""The edge: how a request arriving on the one port finds the service that answers it."""
