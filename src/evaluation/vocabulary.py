"""The fixed vocabularies of the impact logic: Wirkungstreppe steps and Lebensbereiche.

The Wirkungstreppe (impact staircase, PHINEO "Kursbuch Wirkung") has seven steps; steps 1-3 are
output, 4-6 outcome, 7 impact. The eight Lebensbereiche follow the federal Teilhabebericht
(Bundesregierung, 3. Teilhabebericht 2021). Identifiers are short English strings, the German
labels live here and nowhere else.
"""

from __future__ import annotations

WIRKUNGSSTUFEN: dict[int, str] = {
    1: "Aktivitäten finden wie geplant statt",
    2: "Zielgruppen werden erreicht",
    3: "Zielgruppen akzeptieren die Angebote",
    4: "Zielgruppen verändern Bewusstsein bzw. Fähigkeiten",
    5: "Zielgruppen ändern ihr Handeln",
    6: "Lebenslage der Zielgruppen ändert sich",
    7: "Gesellschaft verändert sich",
}

WIRKUNGSEBENE: dict[int, str] = {1: "Output", 2: "Output", 3: "Output", 4: "Outcome", 5: "Outcome", 6: "Outcome", 7: "Impact"}

LEBENSBEREICHE: dict[str, str] = {
    "familie": "Familie und soziales Netz",
    "bildung": "Bildung und Ausbildung",
    "arbeit": "Erwerbsarbeit und Einkommen",
    "alltag": "Alltägliche Lebensführung (inkl. Wohnen, Mobilität, Barrierefreiheit)",
    "gesundheit": "Gesundheit",
    "freizeit": "Freizeit, Kultur und Sport",
    "sicherheit": "Sicherheit und Schutz der Person",
    "partizipation": "Politische und gesellschaftliche Partizipation",
}

GROUPS = ("model", "comparison")

NETWORK_SECTORS: dict[str, str] = {
    "verwaltung": "Verwaltung",
    "zivilgesellschaft": "Zivilgesellschaft",
    "selbsthilfe": "Selbsthilfe",
    "wirtschaft": "Wirtschaft",
    "wohlfahrt": "Wohlfahrtspflege",
}

MEASURE_STATUS: dict[str, str] = {
    "geplant": "geplant",
    "laufend": "laufend",
    "abgeschlossen": "abgeschlossen",
    "verstetigt": "verstetigt",
    "abgebrochen": "abgebrochen",
}
