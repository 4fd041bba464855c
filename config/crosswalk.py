"""The carrier crosswalk from config/carriers.toml: PerfectQuote code <-> BenefitPoint id."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


class UnknownCarrier(LookupError):
    """A carrier the crosswalk does not list; the message names it and the system."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Carrier:
    code: str
    name: str
    benefitpoint_id: int


@dataclass(frozen=True, slots=True)
class Crosswalk:
    carriers: tuple[Carrier, ...]
    # Carriers the instance lists and its mapping leaves out (id, name), and how to map them.
    unmapped: tuple[tuple[int, str], ...] = ()
    remedy: str = "add it to config/carriers.toml"

    def by_code(self, code: str) -> Carrier:
        wanted = code.strip().upper()
        for carrier in self.carriers:
            if carrier.code == wanted:
                return carrier
        raise UnknownCarrier(f"carrier code {code!r} is not in the crosswalk: {self.remedy}")

    def by_benefitpoint_id(self, carrier_id: int) -> Carrier:
        for carrier in self.carriers:
            if carrier.benefitpoint_id == carrier_id:
                return carrier
        name = dict(self.unmapped).get(carrier_id)
        named = f"BenefitPoint carrierID {carrier_id!r}" + (f" ({name})" if name else "")
        raise UnknownCarrier(f"{named} is not in the crosswalk: {self.remedy}")


def parse_crosswalk(text: str) -> Crosswalk:
    data = tomllib.loads(text)
    carriers = []
    for index, entry in enumerate(data.get("carrier", [])):
        try:
            carriers.append(Carrier(code=str(entry["code"]).upper(), name=str(entry["name"]),
                                    benefitpoint_id=int(entry["benefitpoint_id"])))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"carriers.toml: carrier #{index + 1} is malformed ({error})") from None
    codes = [c.code for c in carriers]
    ids = [c.benefitpoint_id for c in carriers]
    if len(set(codes)) != len(codes) or len(set(ids)) != len(ids):
        raise ValueError("carriers.toml: a code or a benefitpoint_id appears twice")
    return Crosswalk(tuple(carriers))


@cache
def load_crosswalk() -> Crosswalk:
    return parse_crosswalk(resources.files("config").joinpath("carriers.toml").read_text())
