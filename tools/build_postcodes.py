"""Rebuild matcher/data/postcodes_be.csv from the PyPI package
``countrystatecity-postal-codes`` (ODbL v1.0): ``pip install
countrystatecity-postal-codes==2.0.1 && python tools/build_postcodes.py``."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "matcher" / "data" / "postcodes_be.csv"


def main() -> None:
    source = resources.files("countrystatecity_postal_codes").joinpath(
        "data/by-country/BE/postcodes.json")
    rows = sorted(json.loads(source.read_text(encoding="utf-8")), key=lambda r: r["code"])
    with TARGET.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["postcode", "municipality", "province", "lat", "lon"])
        for row in rows:
            writer.writerow([row["code"], row["localityName"], row["stateCode"],
                             round(row["latitude"], 6), round(row["longitude"], 6)])
    print(f"written {len(rows)} postcodes to {TARGET}")


if __name__ == "__main__":
    main()
