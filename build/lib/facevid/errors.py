"""Errors that are the user's to fix. Entry points print them without a traceback and exit 2."""


class UserError(Exception):
    """Bad input: the message names the problem and the fix."""


class ConfigError(UserError):
    """A config file or override is missing, malformed or inconsistent."""


class DataError(UserError):
    """A data folder or file is missing, unreadable or inconsistent."""
