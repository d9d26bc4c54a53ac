"""Security cases: each one tried as an attacker would, against a real server."""
