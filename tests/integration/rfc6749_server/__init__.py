"""An independent RFC 6749 token endpoint (oauthlib) for the iots_token integration tests."""

from .server import Rfc6749Server  # noqa: F401
