"""The app's pages, who may open them, and their Swedish labels."""

from __future__ import annotations

from dataclasses import dataclass

from data_models.models import Role

ALL_ROLES = frozenset(Role)
INDIVIDUAL_ROLES = frozenset({Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF})


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str  # relative to app.py
    label: str
    icon: str
    roles: frozenset[Role]
    description: str = ""


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/1_Oversikt.py", "Översikt", ":material/dashboard:", ALL_ROLES,
             "Frånvaro över 15 % och 20 % den här terminen, per skola eller kommun."),
    PageSpec("school", "pages/2_Skola.py", "Skola", ":material/school:", INDIVIDUAL_ROLES,
             "En skolas elever: fördelning, trend, mönster, rapporteringsgrad och elevlista."),
    PageSpec("student", "pages/3_Elev.py", "Elev", ":material/person:", INDIVIDUAL_ROLES,
             "En elevs frånvaro vecka för vecka, dag för dag, mönster och kurser."),
    PageSpec("watch", "pages/4_Bevakning.py", "Bevakning", ":material/visibility:",
             INDIVIDUAL_ROLES, "Elever över 15 % eller 20 %, eller med stigande frånvaro."),
    PageSpec("meetings", "pages/5_Moten.py", "Möten", ":material/groups:", INDIVIDUAL_ROLES,
             "Planera genomgångar, gå igenom eleverna tillsammans och exportera protokoll."),
    PageSpec("measures", "pages/6_Atgarder.py", "Åtgärder", ":material/task_alt:",
             INDIVIDUAL_ROLES, "Mina åtgärder att följa upp, försenade och alla per status."),
    PageSpec("feedback", "pages/7_Aterkoppling.py", "Återkoppling", ":material/forum:",
             INDIVIDUAL_ROLES, "Återkoppling mellan ungdomscoach och skola: inkorg och skickat."),
    PageSpec("visit", "pages/8_Besokspaket.py", "Besökspaket", ":material/print:",
             INDIVIDUAL_ROLES, "Inför skolbesöket: flaggade elever, förändring, åtgärder och "
             "senaste återkopplingen, att skriva ut."),
    PageSpec("region", "pages/11_Region.py", "Region", ":material/monitoring:",
             frozenset({Role.PROJECT_LEADER, Role.ADMIN}),
             "Indikatorer per kommun och termin, tratten från identifierad till förbättrad, "
             "möten och effekten av åtgärder."),
    PageSpec("import", "pages/10_Import.py", "Import", ":material/upload_file:",
             frozenset({Role.ADMIN, Role.COACH}),
             "Läs in frånvaroexporter från skolornas system och inskrivningslistor."),
    PageSpec("admin", "pages/9_Administration.py", "Administration",
             ":material/admin_panel_settings:", frozenset({Role.ADMIN}),
             "Användare, roller, skolor, terminer och granskningsloggen."),
)
PAGE_BY_KEY = {p.key: p for p in PAGES}


def pages_for(role: Role) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]


def may_open(role: Role, page_key: str) -> bool:
    return page_key == "home" or role in PAGE_BY_KEY[page_key].roles
