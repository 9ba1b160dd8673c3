"""Exposure: what protects the studio when it is reachable — token auth, trusted hosts, same-site
writes, security headers (guard), body caps (limits), and an OpenAPI schema that tells the truth
about error bodies (openapi_errors). app.py installs them; the login page is api/login.py."""
