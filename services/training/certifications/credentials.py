"""Certifications as portable, verifiable credentials: a W3C VC (Open Badges 3.0 shape) signed as a JWT with a key
the service publishes, so anyone can verify it offline with the public key alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backbone.issuer.keys import KeyStore
from backbone.settings import ServiceSettings, local_state_dir
from services.training.models import Certification

CONTEXTS = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def keystore(settings: ServiceSettings) -> KeyStore:
    """Outside development and test the keys are mounted (a Secret shared by every pod), never created here."""
    folder = settings.signing_keys_dir or str(local_state_dir() / "signing" / settings.service_name)
    generate = settings.signing_keys_generate
    if generate is None:
        generate = settings.environment in ("development", "test")
    return KeyStore(Path(folder), generate=generate)


def issuer_url(settings: ServiceSettings) -> str:
    return (settings.public_base_url or f"http://{settings.http_host}:{settings.http_port}").rstrip("/")


def status_url(settings: ServiceSettings, certification: Certification) -> str:
    return f"{issuer_url(settings)}/credentials/{certification.id}/status"


def jwks_url(settings: ServiceSettings) -> str:
    return f"{issuer_url(settings)}/.well-known/jwks.json"


def claims(certification: Certification, settings: ServiceSettings) -> dict[str, Any]:
    issuer = issuer_url(settings)
    subject = f"urn:training-backbone:trainee:{certification.country_code}:{certification.trainee_id}"
    return {
        "iss": issuer,
        "sub": subject,
        "jti": f"urn:uuid:{certification.id}",
        "nbf": int(certification.issued_at.timestamp()),
        "iat": int(certification.issued_at.timestamp()),
        "exp": int(certification.expires_at.timestamp()),
        "vc": {
            "@context": CONTEXTS,
            "id": f"urn:uuid:{certification.id}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer, "type": ["Profile"], "name": "Training partnerships backbone"},
            "issuanceDate": certification.issued_at.isoformat(),
            "expirationDate": certification.expires_at.isoformat(),
            "credentialSubject": {
                "id": subject,
                "type": ["AchievementSubject"],
                "name": certification.trainee_name,
                "achievement": {
                    "id": f"urn:training-backbone:curriculum:{certification.curriculum_ref}",
                    "type": ["Achievement"],
                    "name": certification.curriculum_ref,
                    "criteria": {
                        "narrative": "Completed the curriculum and passed an independent assessment."
                    },
                    "alignment": [
                        {
                            "type": ["Alignment"],
                            "targetCode": code,
                            "targetName": code,
                            "targetUrl": f"urn:training-backbone:competency:{code}",
                        }
                        for code in certification.competencies
                    ],
                },
                "result": [{"type": ["Result"], "value": str(certification.score)}],
                "level": certification.level,
                "issuingPartnership": f"urn:uuid:{certification.issuing_partnership_id}",
                "country": certification.country_code,
            },
            "credentialStatus": {"id": status_url(settings, certification), "type": "TrainingBackboneStatus"},
        },
    }


def sign(certification: Certification, settings: ServiceSettings) -> str:
    return keystore(settings).sign(claims(certification, settings))
