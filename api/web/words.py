"""Dutch words the pages use for the engine's names."""

from __future__ import annotations

RULE_LABELS_NL = {
    "recognised_for_programme": "geen geldige erkenning voor de opleiding",
    "placement_type": "niet het nodige soort plaats (OAO-contract of begeleide leerervaring)",
    "grade": "neemt geen leerlingen van de 2de graad",
    "adjustments": "biedt een nodige redelijke aanpassing niet",
    "travel": "verder dan de maximale reistijd",
    "dutch_level": "vraagt een hoger niveau Nederlands, zonder taalondersteuning",
    "min_age": "minimumleeftijd niet bereikt",
    "excluded": "uitgesloten voor deze leerling",
}
REASON_LABELS_NL = {
    "no_feasible_workplace": "geen toegelaten leerwerkplek",
    "capacity": "toegelaten plaatsen zijn vol",
}
DIMENSION_LABELS_NL = {"tier": "Prioriteit", "sector": "Sector van de opleiding",
                       "province": "Provincie (woonplaats)"}
JOB_KINDS_NL = {"solve": "berekening", "replan": "herplanning", "analysis": "narekenen"}
JOB_STATES_NL = {"queued": "in de wachtrij", "running": "bezig", "done": "klaar",
                 "failed": "mislukt", "cancelled": "geannuleerd"}
STAGES_NL = {
    "Queued": "wacht op een vrije rekenkern", "Starting": "wordt gestart",
    "Reading the scenario": "scenario inlezen",
    "Finding allowed student–workplace pairs": "toegelaten combinaties zoeken",
    "Solving (flow)": "beste plan zoeken", "Solving (cpsat)": "beste plan zoeken (CP-SAT)",
    "Solving (lemon)": "beste plan zoeken",
    "Explaining unmatched students": "niet-geplaatste leerlingen verklaren",
    "Storing the plan": "plan bewaren", "Done": "klaar",
    "Done (stored result reused)": "klaar (eerder resultaat hergebruikt)",
    "Cancelled": "geannuleerd", "Failed": "mislukt",
    "Re-planning": "herplannen met zo weinig mogelijk verschuivingen",
    "Solving again": "plan opnieuw doorrekenen", "Looking for fixes": "oplossingen zoeken",
    "Re-queued": "opnieuw in de wachtrij (een rekenkern viel uit)",
    "Re-queued after a server restart": "opnieuw in de wachtrij (na een herstart)",
    "Re-queued: pins, refusals or the newest plan changed":
        "opnieuw in de wachtrij (er kwam intussen een wijziging bij)",
}
LIMIT_LABELS_NL = {"seats": "plaatsen", "mentor": "mentor", "intensive_support":
                   "intensieve ondersteuning"}
CHANGE_LABELS_NL = {"gained": "kreeg een plaats", "lost": "verloor de plaats",
                    "moved": "andere leerwerkplek of mentor", "unchanged": "ongewijzigd",
                    "added": "enkel in het nieuwe plan", "removed": "enkel in het oude plan"}
