"""A development token issuer: RSA keys in the state folder, a JWKS, a client-credentials endpoint, a CLI.

Production points the services at a real identity provider (`BACKBONE_AUTH_ISSUER`, `..._AUDIENCE`,
`..._JWKS_URL`); this one exists so that `make run` and the tests use real, verifiable tokens.
"""
