"""Grants: agreements with donors (international organisations, regional pools), their conditions, receipts."""
