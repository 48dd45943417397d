"""Password hashing with passlib's argon2 (from the maintained `libpass` distribution)."""

from __future__ import annotations

from passlib.context import CryptContext

_context = CryptContext(schemes=["argon2"], deprecated="auto")

# Verifying against this keeps the time of a sign-in with an unknown email the same as with a
# known one, so the response time does not tell which emails have accounts.
_UNKNOWN_USER_HASH = _context.hash("no such user, only here to spend the same time")

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        _context.verify(password, _UNKNOWN_USER_HASH)
        return False
    try:
        return _context.verify(password, password_hash)
    except (ValueError, TypeError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    return None
