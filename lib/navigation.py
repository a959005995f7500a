"""The app's pages, who may open them, and their labels (Swedish; lib.i18n translates
them where they are shown)."""

from __future__ import annotations

from dataclasses import dataclass

from data_models.models import Role
from lib.i18n import N_

ALL_ROLES = frozenset(Role)
INDIVIDUAL_ROLES = frozenset({Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF})
# The overview is everyone's but the KAA officer's, whose work starts where school ends.
OVERVIEW_ROLES = ALL_ROLES - {Role.KAA_OFFICER}


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str  # relative to app.py
    label: str
    icon: str
    roles: frozenset[Role]
    description: str = ""


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/1_Oversikt.py", N_("Översikt"), ":material/dashboard:",
             OVERVIEW_ROLES,
             N_("Frånvaro över 15 % och 20 % den här terminen, per skola eller kommun.")),
    PageSpec("school", "pages/2_Skola.py", N_("Skola"), ":material/school:", INDIVIDUAL_ROLES,
             N_("En skolas elever: fördelning, trend, mönster, rapporteringsgrad och elevlista.")),
    PageSpec("student", "pages/3_Elev.py", N_("Elev"), ":material/person:", INDIVIDUAL_ROLES,
             N_("En elevs frånvaro vecka för vecka, dag för dag, mönster och kurser.")),
    PageSpec("watch", "pages/4_Bevakning.py", N_("Bevakning"), ":material/visibility:",
             INDIVIDUAL_ROLES, N_("Elever över 15 % eller 20 %, eller med stigande frånvaro.")),
    PageSpec("meetings", "pages/5_Moten.py", N_("Möten"), ":material/groups:", INDIVIDUAL_ROLES,
             N_("Planera genomgångar, gå igenom eleverna tillsammans och exportera protokoll.")),
    PageSpec("measures", "pages/6_Atgarder.py", N_("Åtgärder"), ":material/task_alt:",
             INDIVIDUAL_ROLES, N_("Mina åtgärder att följa upp, försenade och alla per status.")),
    PageSpec("feedback", "pages/7_Aterkoppling.py", N_("Återkoppling"), ":material/forum:",
             INDIVIDUAL_ROLES,
             N_("Återkoppling mellan ungdomscoach och skola: inkorg och skickat.")),
    PageSpec("transitions", "pages/12_Overgangar.py", N_("Övergångar"), ":material/login:",
             INDIVIDUAL_ROLES, N_("Nya elever: överlämningen från grundskolan och det tidiga "
             "uppföljningssamtalet.")),
    PageSpec("kaa", "pages/13_Aktivitetsansvar.py", N_("Aktivitetsansvar"),
             ":material/support_agent:", frozenset({Role.ADMIN, Role.COACH, Role.KAA_OFFICER}),
             N_("Unga under 20 som har lämnat gymnasieskolan: kontaktförsök, sysselsättning, "
                "insatser och uppföljning.")),
    PageSpec("schools", "pages/15_Samverkan.py", N_("Samverkan"), ":material/handshake:",
             frozenset({Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF, Role.PROJECT_LEADER}),
             N_("Samverkan med varje skola: överenskommelser, kontaktpersoner, genomgångar per "
                "termin, meddelanden och skolrapporten.")),
    PageSpec("connectedness", "pages/16_Skolanknytning.py", N_("Skolanknytning"),
             ":material/diversity_3:",
             frozenset({Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF, Role.PROJECT_LEADER}),
             N_("Kartlägg skolanknytningen i en klass eller hos en elev, analysera resultatet "
                "i personalgruppen och besluta insatser och förändringar med uppföljning.")),
    PageSpec("method_meetings", "pages/17_Metodmoten.py", N_("Metodmöten"),
             ":material/hub:",
             frozenset({Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF, Role.PROJECT_LEADER}),
             N_("Metodmöten över myndighetsgränserna kring ett avidentifierat fall, och "
                "kommunernas gemensamma mål mot regionens indikatorer.")),
    PageSpec("visit", "pages/8_Besokspaket.py", N_("Besökspaket"), ":material/print:",
             INDIVIDUAL_ROLES, N_("Inför skolbesöket: flaggade elever, förändring, åtgärder och "
             "senaste återkopplingen, att skriva ut.")),
    PageSpec("region", "pages/11_Region.py", N_("Region"), ":material/monitoring:",
             frozenset({Role.PROJECT_LEADER, Role.ADMIN}),
             N_("Indikatorer per kommun och termin, tratten från identifierad till förbättrad, "
             "möten och effekten av åtgärder.")),
    PageSpec("import", "pages/10_Import.py", N_("Import"), ":material/upload_file:",
             frozenset({Role.ADMIN, Role.COACH}),
             N_("Läs in frånvaroexporter från skolornas system och inskrivningslistor.")),
    PageSpec("admin", "pages/9_Administration.py", N_("Administration"),
             ":material/admin_panel_settings:", frozenset({Role.ADMIN}),
             N_("Användare, roller, skolor, terminer och granskningsloggen.")),
    PageSpec("data_protection", "pages/14_Dataskydd.py", N_("Dataskydd"), ":material/shield:",
             frozenset({Role.ADMIN}),
             N_("Registerutdrag för en elev, gallring efter regler och granskning av vem som "
                "har sett vilka elever.")),
)
PAGE_BY_KEY = {p.key: p for p in PAGES}


def pages_for(role: Role) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]


def may_open(role: Role, page_key: str) -> bool:
    return page_key == "home" or role in PAGE_BY_KEY[page_key].roles
