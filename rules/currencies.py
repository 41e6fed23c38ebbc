"""ISO 4217: the active currency codes and their minor units (the exponent that makes an amount an integer).

Vendored from the standard's list one (the maintenance agency's, as of 2026: BGN withdrawn when Bulgaria adopted
the euro; the codes match those of pycountry 26.2.16). Codes with no minor unit in the standard (precious
metals, SDR, bond units, testing codes) are left out, since the ledger keeps whole minor units.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field


def _codes(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


ZERO_DECIMALS = _codes("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF")
THREE_DECIMALS = _codes("BHD IQD JOD KWD LYD OMR TND")
FOUR_DECIMALS = _codes("CLF UYW")
TWO_DECIMALS = _codes(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF
    CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL
    HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU
    MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR
    SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED
    VES WST XCD XCG YER ZAR ZMW ZWG
    """
)
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(ZERO_DECIMALS, 0),
    **dict.fromkeys(TWO_DECIMALS, 2),
    **dict.fromkeys(THREE_DECIMALS, 3),
    **dict.fromkeys(FOUR_DECIMALS, 4),
}


def _known(code: str) -> str:
    if code not in MINOR_UNITS:
        raise ValueError(f"{code} is not an active ISO 4217 currency with minor units (e.g. EUR, XOF, JPY)")
    return code


Currency = Annotated[
    str,
    Field(pattern="^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR, XOF", examples=["EUR"]),
    AfterValidator(_known),
]
"""An active ISO 4217 code; amounts in it are integers of its minor unit."""
