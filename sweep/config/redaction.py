"""Credentials in a storage URI, never printed or saved: user info and secret query values shown as ***."""

from __future__ import annotations

import re

USER_INFO = re.compile(r"(?<=://)[^/@?#]*@")  # s3://KEY:SECRET@bucket


SECRET_PARAMETER = re.compile(r"(?i)([?&][^=&#]*(?:key|secret|token|password|credential)[^=&#]*=)[^&#]*")


def redact(storage: str) -> str:
    """A storage URI fit to print or save: credentials in it (user info, secret query values) replaced by ***."""
    return SECRET_PARAMETER.sub(r"\1***", USER_INFO.sub("***@", storage))


def has_credentials(storage: str) -> bool:
    return redact(storage) != storage
