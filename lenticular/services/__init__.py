"""One package per AWS service, named after botocore's service name."""
