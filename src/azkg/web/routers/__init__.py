"""One router per area of the service. A router never imports another; shared helpers live one level
up, in `azkg.web`."""
