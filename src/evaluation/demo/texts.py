"""German text fragments for the synthetic qualitative material (interviews, workshops, walks).

Every fragment belongs to one leaf code of :data:`CODEBOOK`; coder A codes each fragment with its
code. Placeholders: {ort} municipality name, {raum} a Sozialraum, {person} a fictional name.
All names, addresses, e-mail addresses and phone numbers are invented.
"""

from __future__ import annotations

# code_id, parent_id, name, lebensbereich, wirkungsstufe
CODEBOOK = [
    ("B", None, "Barrieren", "alltag", None),
    ("B.1", "B", "Bauliche Barrieren", "alltag", 6),
    ("B.2", "B", "Kommunikative Barrieren", "alltag", 6),
    ("B.3", "B", "Barrieren in den Köpfen", "partizipation", 4),
    ("T", None, "Teilhabe", None, None),
    ("T.1", "T", "Freizeit und Kultur", "freizeit", 5),
    ("T.1.1", "T.1", "Sport", "freizeit", 5),
    ("T.1.2", "T.1", "Kultur", "freizeit", 5),
    ("T.2", "T", "Arbeit", "arbeit", 6),
    ("T.3", "T", "Bildung", "bildung", 6),
    ("T.4", "T", "Wohnen", "alltag", 6),
    ("T.5", "T", "Gesundheitliche Versorgung", "gesundheit", 6),
    ("N", None, "Netzwerk und Kooperation", "partizipation", None),
    ("N.1", "N", "Zusammenarbeit in der Verwaltung", "partizipation", 1),
    ("N.2", "N", "Vereine und Ehrenamt", "partizipation", 3),
    ("N.3", "N", "Konflikte im Netzwerk", "partizipation", 1),
    ("P", None, "Beteiligung", "partizipation", None),
    ("P.1", "P", "Selbstvertretung", "partizipation", 5),
    ("P.2", "P", "Beteiligungsformate", "partizipation", 2),
    ("P.3", "P", "Politische Teilhabe", "partizipation", 5),
    ("W", None, "Wirkungen", None, None),
    ("W.1", "W", "Bewusstseinswandel", "partizipation", 4),
    ("W.2", "W", "Verändertes Handeln", "familie", 5),
    ("W.3", "W", "Veränderte Lebenslage", "alltag", 6),
    ("W.4", "W", "Strukturelle Veränderung", "partizipation", 7),
    ("R", None, "Ressourcen und Rahmenbedingungen", None, None),
    ("R.1", "R", "Personal und Zeit", None, 1),
    ("R.2", "R", "Finanzierung", None, 1),
    ("R.3", "R", "Verstetigung", None, 7),
    ("S", None, "Sicherheit", "sicherheit", None),
    ("S.1", "S", "Sicherheitsgefühl im öffentlichen Raum", "sicherheit", 6),
    ("S.2", "S", "Schutz vor Gewalt", "sicherheit", 6),
    ("F", None, "Familie und soziales Netz", "familie", None),
    ("F.1", "F", "Einsamkeit", "familie", 6),
    ("F.2", "F", "Unterstützung durch Angehörige", "familie", 6),
]

FRAGMENTS = {
    "B.1": [
        "Am Bahnhof in {raum} gibt es immer noch keinen Aufzug, ich muss jedes Mal jemanden fragen, ob er mir "
        "mit dem Rollstuhl die Treppe hinunter hilft. Das ist entwürdigend, ehrlich gesagt.",
        "Die Bordsteine in der Hauptstraße sind viel zu hoch, und vor der Apotheke steht eine Stufe, an der "
        "ich mit dem Rollator jedes Mal hängen bleibe.",
        "Das Rathaus hat zwar jetzt eine Rampe, aber die Tür ist so schwer, dass man sie allein nicht aufbekommt.",
    ],
    "B.2": [
        "Die Bescheide vom Amt verstehe ich nicht, da stehen nur Paragrafen drin. Ein Brief in Leichter Sprache "
        "würde so viel helfen.",
        "Bei den Bürgerversammlungen gibt es keine Gebärdensprachdolmetscher, also bleibe ich weg. Ich bekomme "
        "dort ja sowieso nichts mit.",
        "Die Internetseite der Stadt kann mein Vorleseprogramm kaum lesen, die Formulare sind Bilder ohne Text.",
    ],
    "B.3": [
        "Viele Leute denken immer noch, Menschen mit Behinderungen gehören in die Werkstatt und sonst nirgendwo "
        "hin. Das merkt man an den Blicken.",
        "Im Verein hieß es zuerst, das sei zu gefährlich, wenn ein blindes Kind mitturnt. Da war viel Angst im "
        "Raum, und wenig Wissen.",
    ],
    "T.1.1": [
        "Seit es den inklusiven Sportnachmittag gibt, geht mein Sohn jeden Mittwoch in die Halle in {raum}. Er "
        "freut sich die ganze Woche darauf.",
        "Der Turnverein hat eine Rollstuhlbasketball-Gruppe gegründet, inzwischen spielen da auch Jugendliche "
        "ohne Behinderung mit.",
    ],
    "T.1.2": [
        "Im Theater gibt es jetzt Vorstellungen mit Audiodeskription. Ich war zum ersten Mal seit Jahren wieder "
        "mit meiner Schwester dort.",
        "Die Stadtbibliothek bietet Bücher in Leichter Sprache an und eine Lesegruppe am Donnerstag, da gehe ich "
        "gern hin.",
    ],
    "T.2": [
        "Ich habe nach zwölf Jahren in der Werkstatt einen Arbeitsplatz im Café am Markt bekommen, mit Budget für "
        "Arbeit. Das hätte ich nie gedacht.",
        "Die Betriebe hier sind offen, aber sie wissen nicht, welche Förderung es gibt. Beim Arbeitgeberfrühstück "
        "haben wir das erklärt.",
    ],
    "T.3": [
        "Meine Tochter geht jetzt auf die Grundschule in {raum}, mit Schulbegleitung. Am Anfang war das schwierig, "
        "heute hat sie dort Freundinnen.",
        "Die Lehrkräfte sagen, sie fühlen sich mit der Inklusion allein gelassen, es fehlen Sonderpädagogen und "
        "kleine Klassen.",
    ],
    "T.4": [
        "Wir suchen seit zwei Jahren eine barrierefreie Wohnung. Es gibt einfach keine, und wenn, dann sind sie "
        "unbezahlbar.",
        "Seit dem Umzug in die Wohngemeinschaft mit Assistenz kann ich selbst entscheiden, wann ich esse und wann "
        "ich Besuch bekomme.",
    ],
    "T.5": [
        "Einen Frauenarzt mit einem Untersuchungsstuhl, auf den ich mit dem Rollstuhl komme, gibt es im ganzen "
        "Landkreis nicht.",
        "Die Gesundheitslotsin hat mich zum Termin begleitet und dem Arzt erklärt, was ich brauche. So gut war "
        "ein Arztbesuch noch nie.",
    ],
    "N.1": [
        "Früher hat jedes Amt für sich gearbeitet. Seit der Koordinierungsstelle sitzen Bauamt, Sozialamt und "
        "Schulamt einmal im Monat an einem Tisch.",
        "Die Koordinierungsstelle ist unser Türöffner in die Verwaltung, ohne sie wüssten wir gar nicht, wen wir "
        "anrufen sollen.",
    ],
    "N.2": [
        "Über das Netzwerk haben wir drei neue Ehrenamtliche gefunden, die jetzt die Freizeitgruppe mitbetreuen.",
        "Die Vereine in {raum} haben sich zusammengetan und teilen sich jetzt einen Fahrdienst für ihre Mitglieder.",
    ],
    "N.3": [
        "Zwischen den großen Trägern gibt es Konkurrenz um die Fördermittel, das bremst die Zusammenarbeit.",
        "Manche Selbsthilfegruppen fühlen sich übergangen, weil die Entscheidungen im Lenkungskreis fallen, bevor "
        "sie gefragt werden.",
    ],
    "P.1": [
        "Im Beirat reden wir selbst für uns. Nicht mehr die Betreuer oder die Einrichtungen, sondern wir.",
        "Die Selbstvertretungsgruppe hat den Antrag für die Toilette für alle selbst geschrieben und im Ausschuss "
        "vorgestellt.",
    ],
    "P.2": [
        "Bei der Zukunftswerkstatt im Bürgerhaus waren über sechzig Leute, auch viele, die sonst nie zu solchen "
        "Veranstaltungen kommen.",
        "Die Begehung mit dem Rollstuhl hat den Stadträten mehr gezeigt als jede Statistik. Einer hat danach "
        "gesagt, das habe er nicht gewusst.",
    ],
    "P.3": [
        "Bei der letzten Kommunalwahl gab es zum ersten Mal Wahlinformationen in Leichter Sprache, da bin ich "
        "wählen gegangen.",
        "Im Wahllokal in {raum} war der Eingang über den Hof, das war nicht ausgeschildert. Ich wäre fast wieder "
        "nach Hause gefahren.",
    ],
    "W.1": [
        "Ich merke, dass die Leute anders reden. Früher hieß es 'die Behinderten', heute fragen die Kollegen, was "
        "jemand braucht.",
        "Die Schulung hat mir die Augen geöffnet. Ich achte jetzt bei jeder Planung darauf, ob alle mitkommen "
        "können.",
    ],
    "W.2": [
        "Wir planen unser Stadtteilfest jetzt immer mit Rampe, Leichter Sprache und Gebärdensprache, das ist "
        "selbstverständlich geworden.",
        "Die Busfahrer warten inzwischen, bis ich sitze, und klappen die Rampe aus, ohne dass ich fragen muss.",
    ],
    "W.3": [
        "Seit ich die Arbeit im Café habe, habe ich mehr Geld und mehr Kontakte. Ich bin nicht mehr so viel "
        "allein zu Hause.",
        "Durch den Fahrdienst kann meine Mutter wieder zum Seniorentreff, das hat ihr Leben wirklich verändert.",
    ],
    "W.4": [
        "Der Stadtrat hat beschlossen, dass jede neue Baumaßnahme vorher mit dem Beirat abgestimmt wird. Das ist "
        "jetzt Satzung.",
        "Barrierefreiheit steht inzwischen in jeder Ausschreibung der Stadt, das ist ein echter Kulturwandel in "
        "der Verwaltung.",
    ],
    "R.1": [
        "Eine halbe Stelle für die Koordination reicht hinten und vorne nicht, ich mache vieles abends und am "
        "Wochenende.",
        "In der Pandemie ist uns fast ein Jahr verloren gegangen, viele Gruppen haben sich nicht mehr getroffen.",
    ],
    "R.2": [
        "Die Förderung läuft aus, und niemand weiß, wer die Assistenzkosten für den Sportnachmittag dann übernimmt.",
        "Für den Umbau der Haltestellen gab es Landesmittel, sonst hätten wir das nie finanzieren können.",
    ],
    "R.3": [
        "Der Lotsendienst ist jetzt im Haushalt verankert, also auch nach dem Ende des Programms gesichert.",
        "Wir haben Angst, dass nach dem Programm alles wieder einschläft, wenn die Koordinierungsstelle wegfällt.",
    ],
    "S.1": [
        "Abends traue ich mich mit dem Blindenstock nicht mehr durch die Unterführung in {raum}, da ist es dunkel "
        "und es sind Fahrräder im Weg.",
        "Seit die Beleuchtung am Busbahnhof erneuert wurde, fühle ich mich dort sicherer.",
    ],
    "S.2": [
        "In der Einrichtung gab es einen Vorfall, danach haben wir mit der Frauenberatung ein Schutzkonzept "
        "erarbeitet.",
        "Der Selbstbehauptungskurs hat mir gezeigt, dass ich Nein sagen darf, auch zu Betreuern.",
    ],
    "F.1": [
        "Am Wochenende ist es am schlimmsten, da ruft niemand an und ich komme ohne Hilfe nicht aus der Wohnung.",
        "Seit der Stadtteiltreff offen hat, sitze ich nicht mehr nur vor dem Fernseher, ich habe dort Leute kennengelernt.",
    ],
    "F.2": [
        "Ohne meine Eltern würde nichts gehen, sie fahren mich überall hin. Aber sie werden auch älter, und dann?",
        "Der familienentlastende Dienst gibt uns zweimal im Monat einen freien Nachmittag, das ist für uns als "
        "Familie Gold wert.",
    ],
}

#: uncoded filler (greetings, organisational remarks)
FILLERS = [
    "Also, wo soll ich anfangen.",
    "Das ist eine gute Frage, da muss ich kurz überlegen.",
    "Ja, genau.",
    "Kaffee steht übrigens hinten auf dem Tisch.",
    "Die Runde wurde um 18:15 Uhr eröffnet, das Protokoll führte die Koordinierungsstelle.",
    "Es folgte eine kurze Pause.",
    "Mehr fällt mir dazu im Moment nicht ein.",
    "Wir haben das damals auch im Ausschuss besprochen, aber das ist eine längere Geschichte.",
]

QUESTIONS = [
    "Wie erleben Sie den Alltag in {ort}?",
    "Was hat sich seit dem letzten Gespräch verändert?",
    "Wo stoßen Sie auf Hindernisse?",
    "Wie nehmen Sie die Angebote des Programms wahr?",
    "Mit wem arbeiten Sie zusammen?",
    "Was wünschen Sie sich für die nächsten Jahre?",
    "Können Sie ein Beispiel nennen?",
]
STATIONS = ["Busbahnhof", "Rathausplatz", "Fußgängerunterführung", "Stadtbibliothek", "Sporthalle",
            "Apotheke am Markt", "Wahllokal in der Grundschule", "Spielplatz am Park", "Arztpraxis Bahnhofstraße"]
FIRST_NAMES = ["Petra", "Jürgen", "Aylin", "Konstantin", "Marlene", "Dragan", "Friederike", "Tobias", "Svetlana",
               "Ole", "Hannelore", "Mehmet", "Ingrid", "Luca", "Birte", "Wolfgang", "Jana", "Emil"]
LAST_NAMES = ["Wendland", "Kubitzki", "Oberdorfer", "Hallmann", "Seidenfaden", "Quast", "Riedmüller",
              "Tannhäuser", "Yilmazer", "Brückner-Lau", "Eisentraut", "Fenske", "Gottschling", "Marquardt-Holm"]
ROLES = ["Mitglied des Beirats für Menschen mit Behinderungen", "Mutter eines Kindes mit Behinderung",
         "Mitarbeiter im Sozialamt", "Vorsitzende eines Sportvereins", "Selbstvertreter",
         "Leiterin einer Wohngruppe", "Rentner mit Sehbehinderung", "Arbeitgeberin im Einzelhandel"]
