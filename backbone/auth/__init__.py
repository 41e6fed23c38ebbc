"""Who is calling: bearer JWTs verified against the issuer's JWKS, and the principal they name."""
