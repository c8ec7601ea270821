"""One error model for every service.

    ServiceError                 any error that goes back to the client in AWS's shape
      +-- NotImplementedOperation    an operation no provider implements (yet)
      +-- UnknownOperation           a request that names no operation of the service
      +-- ValidationError            input that fails the model's constraints
      +-- (each service's errors.py) that service's modelled errors, one line each

`code` is the error shape name from the botocore model (or the code AWS sends for an
unmodelled error); the HTTP status comes from the model's `error.httpStatusCode` when
`status` is left as None, else from the protocol's default for client/server faults.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    code: str = "InternalFailure"
    status: int | None = None  # None: look it up in the model, else 400/500 by `sender_fault`
    sender_fault: bool = True  # True: the caller's fault ("Sender"/"Client"); False: ours

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        sender_fault: bool | None = None,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault
        # Extra members of the modelled error shape (e.g. S3 NoSuchKey's `Key`,
        # DynamoDB's `CancellationReasons`), serialized like an output structure.
        self.fields: dict[str, Any] = fields or {}
        # Extra response headers (e.g. `x-amzn-ErrorType` details, `Retry-After`).
        self.headers: dict[str, str] = headers or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class NotImplementedOperation(ServiceError):
    """AWS's shape for "this exists in the API but lenticular does not do it yet"."""

    code = "NotImplemented"
    status = 501

    def __init__(self, service: str, operation: str) -> None:
        super().__init__(
            f"The operation {operation} of service {service} is not implemented by lenticular yet."
        )


class UnknownOperation(ServiceError):
    code = "UnknownOperationException"
    status = 400


class ValidationError(ServiceError):
    code = "ValidationException"
    status = 400


class InternalFailure(ServiceError):
    code = "InternalFailure"
    status = 500
    sender_fault = False
