"""DynamoDB number arithmetic: exact decimals, 38 significant digits, DynamoDB's range.

Numbers travel as strings ({"N": "1.5"}); arithmetic happens on `Decimal` in a context
wide enough to be exact over the whole range, and results are checked and rendered the
way DynamoDB renders them (no exponent, no trailing zeros: "1E+2" -> "100").
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation, Overflow

from ..errors import ValidationException

# 1E-130 .. 9.99..9E+125 spans 256 decimal places; 400 digits keeps + and - exact.
_EXACT = Context(prec=400, Emax=999_999, Emin=-999_999)
MAX_DIGITS = 38
MAX_MAGNITUDE = Decimal("9.9999999999999999999999999999999999999E+125")
MIN_MAGNITUDE = Decimal("1E-130")

OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)
TOO_PRECISE = "Attempting to store more than 38 significant digits in a Number"


def to_decimal(text: str) -> Decimal:
    """The exact value of a wire number (assumed already validated by the values module)."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationException(
            f"The parameter cannot be converted to a numeric value: {text}"
        ) from None


def check(value: Decimal, *, arithmetic: bool = False) -> Decimal:
    """Refuse values DynamoDB cannot store; return the value unchanged otherwise.

    For results of + and - DynamoDB reports too many digits as an overflow (observed
    against the real service: 1E50 + 1 fails with the overflow message).
    """
    if not value:
        return value
    normal = value.normalize(_EXACT)
    magnitude = normal.copy_abs()
    if magnitude > MAX_MAGNITUDE:
        raise ValidationException(OVERFLOW)
    if magnitude < MIN_MAGNITUDE:
        raise ValidationException(UNDERFLOW)
    if len(normal.as_tuple().digits) > MAX_DIGITS:
        raise ValidationException(OVERFLOW if arithmetic else TOO_PRECISE)
    return value


def render(value: Decimal) -> str:
    """DynamoDB's canonical text for a number: plain notation, trailing zeros trimmed."""
    if not value:
        return "0"
    return format(value.normalize(_EXACT), "f")


def normalize(text: str) -> str:
    """Canonical text of a wire number ("1E+2" -> "100", "1.50" -> "1.5", "-0" -> "0")."""
    return render(check(to_decimal(text)))


def add(left: str, right: str) -> str:
    return _arithmetic(_EXACT.add, left, right)


def subtract(left: str, right: str) -> str:
    return _arithmetic(_EXACT.subtract, left, right)


def _arithmetic(operation, left: str, right: str) -> str:  # noqa: ANN001
    try:
        result = operation(Decimal(left), Decimal(right))
    except (Overflow, InvalidOperation):  # an operand far out of range (1E+100000000)
        raise ValidationException(OVERFLOW) from None
    return render(check(result, arithmetic=True))


def compare(left: str, right: str) -> int:
    """-1, 0 or 1, numerically."""
    a, b = Decimal(left), Decimal(right)
    return (a > b) - (a < b)
