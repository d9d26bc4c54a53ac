"""The HTTP service: an app factory, one router per area, one error handler."""
