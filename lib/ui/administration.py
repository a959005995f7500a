"""Administration, tab by tab: users, organisation, terms, flag levels, the categories of
student talks, audit log."""

from __future__ import annotations

import json

import streamlit as st

from lib import admin, formats, organisation, plain, talk_categories
from lib.access import Role, Viewer
from lib.audit import list_events
from lib.clock import local_today
from lib.codes import KaaChannel
from lib.db import session_scope
from lib.i18n import N_, _
from lib.kaa import ladder_of, municipality_rules, set_rules
from lib.labels import CHANGED_FIELDS, choices
from lib.settings import load_settings, sso_configured
from lib.ui.forms import kept_form, run_write
from lib.ui.tables import show_table

# The kinds of term, by their code (HT: autumn, VT: spring).
TERM_KINDS = {"HT": N_("HT"), "VT": N_("VT")}
EMAIL_HELP = N_("Med inloggningstjänsten loggar användaren in med det konto som har den här "
                "verifierade e-postadressen, första gången; sedan med samma konto.")
TABS = [N_("Användare"), N_("Organisation"), N_("Terminer"), N_("Flaggnivåer"),
        N_("Samtalskategorier"), N_("Granskningslogg")]


def _save(viewer: Viewer, form: str, action, message: str, *args, **kwargs) -> None:
    """One admin change from `form`: the refusal beside the kept fields, or the form
    emptied with `message` above it."""
    run_write(lambda session: action(session, viewer, *args, **kwargs), form=form,
              success=message)


def _organisation(viewer: Viewer):
    with session_scope() as session:
        return (organisation.region_table(session, viewer),
                organisation.municipality_table(session, viewer),
                organisation.school_table(session, viewer))


def _scope_options(viewer: Viewer) -> dict:
    regions, municipalities, schools = _organisation(viewer)
    return {
        Role.COACH: dict(zip(municipalities["id"], municipalities["municipality"], strict=True)),
        Role.SCHOOL_STAFF: dict(zip(schools["id"], schools["school"], strict=True)),
        Role.PROJECT_LEADER: dict(zip(regions["id"], regions["region"], strict=True)),
        Role.KAA_OFFICER: dict(zip(municipalities["id"], municipalities["municipality"],
                                   strict=True)),
        Role.ADMIN: {},
    }


def _scope_picker(scope_options: dict, role: Role, default: tuple[int, ...],
                  key: str) -> list[int]:
    options = scope_options[role]
    if not options and role == Role.ADMIN:
        st.caption(_("Systemförvaltare har tillgång till allt."))
        return []
    label = {Role.COACH: _("Kommuner"), Role.SCHOOL_STAFF: _("Skolor"),
             Role.PROJECT_LEADER: _("Regioner"), Role.KAA_OFFICER: _("Kommuner")}[role]
    return st.multiselect(label, list(options), default=[d for d in default if d in options],
                          format_func=options.get, key=key, placeholder=_("Välj en eller flera"))


KAA_JOB = N_("Även KAA-handläggare")
KAA_HELP = N_("Coachen sköter också aktivitetsansvaret för unga under 20 som har lämnat "
              "gymnasieskolan i sina kommuner.")


def users_tab(viewer: Viewer) -> None:
    """Users and their roles, scopes and passwords."""
    with session_scope() as session:
        users = admin.list_users(session, viewer)
    scope_options = _scope_options(viewer)  # read once for both forms
    settings = load_settings()
    sso = sso_configured(settings)
    table = admin.users_table(users)
    if not sso and not table["sso_bound"].any():  # nobody signs in through a provider
        table = table.drop(columns="sso_bound")
    show_table(table)
    st.subheader(_("Ny användare"))
    roles = choices(Role)
    new_role = st.selectbox(_("Roll"), list(Role), format_func=roles.get, key="new_role")
    with kept_form("new_user") as form:
        username = st.text_input(_("Användarnamn"))
        name = st.text_input(_("Namn"))
        title = st.text_input(_("Titel (t.ex. rektor, kurator)"))
        email = st.text_input(_("E-post"), help=_(EMAIL_HELP))
        scopes = _scope_picker(scope_options, new_role, (), f"{form}_scopes")
        kaa = new_role == Role.COACH and st.checkbox(_(KAA_JOB), help=_(KAA_HELP))
        password = st.text_input(_("Lösenord (minst 12 tecken)") if not sso else
                                 _("Lösenord (tomt: bara inloggningstjänsten)"),
                                 type="password")
        if st.form_submit_button(_("Skapa användare")):
            _save(viewer, "new_user", admin.create_user,
                  _("Användaren {username} är skapad.").format(
                      username=plain.markdown(username.strip().lower())),
                  username=username, display_name=name, role=new_role, password=password,
                  scope_ids=scopes, title=title, email=email, sso_only=sso,
                  bcrypt_rounds=settings.bcrypt_rounds, handles_kaa=kaa)

    st.subheader(_("Ändra användare"))
    by_id = {u.id: u for u in users}
    # Nobody is chosen until the administrator picks someone: no form opens on a person the
    # administrator did not ask for.
    chosen = st.selectbox(_("Användare"), list(by_id), index=None, key="edit_user",
                          placeholder=_("Välj användare"),
                          format_func=lambda i: f"{by_id[i].username} ({by_id[i].display_name})")
    if chosen is not None:
        user = by_id[chosen]
        role = st.selectbox(_("Roll"), list(Role), index=list(Role).index(user.role),
                            format_func=roles.get, key=f"role_{user.id}")
        # After a save the form starts again from what is saved.
        with kept_form(f"edit_{user.id}") as form:
            name = st.text_input(_("Namn"), user.display_name)
            title = st.text_input(_("Titel"), user.title or "")
            email = st.text_input(_("E-post"), user.email or "", help=_(EMAIL_HELP))
            scopes = _scope_picker(scope_options, role, user.scope_ids, f"{form}_scopes")
            kaa = role == Role.COACH and st.checkbox(_(KAA_JOB), user.handles_kaa,
                                                     help=_(KAA_HELP))
            active = st.checkbox(_("Aktiv"), user.active,
                                 help=_("Ett avstängt konto loggas ut vid nästa sidvisning."))
            unbind = user.sso_bound and st.checkbox(
                _("Koppla bort kontot hos inloggningstjänsten"),
                help=_("Nästa inloggning kopplar kontot på nytt via e-postadressen."))
            if st.form_submit_button(_("Spara ändringar")):
                _save(viewer, f"edit_{user.id}", admin.update_user, _("Ändringarna är sparade."),
                      user.id, role=role, scope_ids=scopes, active=active, display_name=name,
                      title=title, email=email, unbind_sso=unbind, handles_kaa=kaa)
        if not settings.local_login:
            return
        with kept_form(f"password_{user.id}"):
            first = st.text_input(_("Nytt lösenord"), type="password")
            second = st.text_input(_("Upprepa lösenordet"), type="password")
            if st.form_submit_button(_("Sätt nytt lösenord")):
                if first != second:
                    st.error(_("Lösenorden är inte lika."))
                else:
                    _save(viewer, f"password_{user.id}", admin.reset_password,
                          _("Lösenordet är bytt. Användarens pågående inloggningar avslutas."),
                          user.id, first, bcrypt_rounds=load_settings().bcrypt_rounds)


def organisation_tab(viewer: Viewer) -> None:
    """Regions, municipalities and schools."""
    regions, municipalities, schools = _organisation(viewer)
    left, right = st.columns(2)
    with left:
        st.subheader(_("Regioner"))
        show_table(regions)
        with kept_form("new_region"):
            region_name = st.text_input(_("Ny region"))
            if st.form_submit_button(_("Lägg till region")):
                _save(viewer, "new_region", admin.create_region, _("Regionen är tillagd."),
                      region_name)
        st.subheader(_("Kommuner"))
        show_table(municipalities)
        with kept_form("new_municipality"):
            code = st.text_input(_("Kommunkod (SCB)"))
            municipality_name = st.text_input(_("Kommun"))
            region_options = dict(zip(regions["id"], regions["region"], strict=True))
            region_id = st.selectbox(_("Region"), list(region_options),
                                     format_func=region_options.get,
                                     placeholder=_("Välj region"))
            if st.form_submit_button(_("Lägg till kommun")):
                _save(viewer, "new_municipality", admin.create_municipality,
                      _("Kommunen är tillagd."), code, municipality_name, region_id)
    with right:
        st.subheader(_("Skolor"))
        show_table(schools)
        with kept_form("new_school"):
            unit_code = st.text_input(_("Skolenhetskod"))
            school_name = st.text_input(_("Skola"))
            municipality_options = dict(zip(municipalities["id"], municipalities["municipality"],
                                            strict=True))
            municipality_id = st.selectbox(_("Kommun"), list(municipality_options),
                                           format_func=municipality_options.get,
                                           placeholder=_("Välj kommun"))
            if st.form_submit_button(_("Lägg till skola")):
                _save(viewer, "new_school", admin.create_school, _("Skolan är tillagd."),
                      unit_code, school_name, municipality_id)


def terms_tab(viewer: Viewer) -> None:
    """The terms, each with its dates."""
    with session_scope() as session:
        terms = organisation.term_table(session, viewer)
    show_table(terms)
    with kept_form("new_term"):
        kind = st.selectbox(_("Termin"), list(TERM_KINDS), format_func=lambda k: _(TERM_KINDS[k]))
        year = st.number_input(_("År"), min_value=2000, max_value=2100,
                               value=local_today().year)
        start = st.date_input(_("Startdatum"), format="YYYY-MM-DD")
        end = st.date_input(_("Slutdatum"), format="YYYY-MM-DD")
        if st.form_submit_button(_("Lägg till termin")):
            _save(viewer, "new_term", admin.create_term, _("Terminen är tillagd."), kind,
                  int(year), start, end)


def levels_tab(viewer: Viewer) -> None:
    """Each municipality's flag levels."""
    st.caption(_("Nivåerna gäller elever folkbokförda i kommunen, på alla skolor och sidor."))
    with session_scope() as session:
        levels = admin.list_thresholds(session, viewer)
    # A level is written as it is set: "15 %", a decimal only where it has one.
    show_table(levels.assign(watch_level=levels["watch_level"].map(formats.level),
                             high_level=levels["high_level"].map(formats.level)))
    level_names = dict(zip(levels["id"], levels["municipality"], strict=True))
    # Chosen outside the form, so that the inputs show that municipality's levels; keyed by
    # municipality, so that typed values survive the submit.
    municipality_id = st.selectbox(_("Kommun"), list(level_names), format_func=level_names.get,
                                   key="levels_municipality", placeholder=_("Välj kommun"))
    current = levels.set_index("id").loc[municipality_id] if level_names else None
    with kept_form("thresholds") as form:
        watch = st.number_input(_("Bevaka från (%)"), min_value=1, max_value=99, step=1,
                                key=f"{form}_watch_{municipality_id}",
                                value=15 if current is None
                                else round(current["watch_level"] * 100))
        high = st.number_input(_("Hög frånvaro från (%)"), min_value=1, max_value=99, step=1,
                               key=f"{form}_high_{municipality_id}",
                               value=20 if current is None
                               else round(current["high_level"] * 100))
        if st.form_submit_button(_("Spara nivåer")):
            _save(viewer, "thresholds", admin.set_thresholds, _("Nivåerna är sparade."),
                  municipality_id, watch / 100, high / 100)
    transition_rules(viewer)


def transition_rules(viewer: Viewer) -> None:
    """Each municipality's week for the early talk, and the activity responsibility's
    contact ladder and due rule."""
    st.subheader(_("Tidigt samtal och kontakttrappa"))
    with session_scope() as session:
        rules = municipality_rules(session, viewer)
    show_table(rules)
    names = dict(zip(rules["id"], rules["municipality"], strict=True))
    municipality_id = st.selectbox(_("Kommun"), list(names), format_func=names.get,
                                   key="rules_municipality")
    if municipality_id is None:
        return
    current = rules.set_index("id").loc[municipality_id]
    channels = choices(KaaChannel)
    with kept_form("transition_rules") as form:
        week = st.number_input(_("Tidigt samtal senast vecka"), min_value=1, max_value=20,
                               value=int(current["early_talk_week"]),
                               key=f"{form}_week_{municipality_id}")
        ladder = st.multiselect(_("Kontakttrappan, i ordning"), list(channels),
                                default=ladder_of(current["kaa_ladder"]),
                                format_func=channels.get, key=f"{form}_ladder_{municipality_id}")
        left, right = st.columns(2)
        first = left.number_input(_("Första kontaktförsöket inom (skoldagar)"), min_value=1,
                                  max_value=60, value=int(current["kaa_first_days"]),
                                  key=f"{form}_first_{municipality_id}")
        following = right.number_input(_("Nästa steg efter (dagar utan kontakt)"), min_value=1,
                                       max_value=60, value=int(current["kaa_next_days"]),
                                       key=f"{form}_next_{municipality_id}")
        if st.form_submit_button(_("Spara")):
            _save(viewer, "transition_rules", set_rules, _("Inställningarna är sparade."),
                  municipality_id, week, ladder, first, following)


def categories_tab(viewer: Viewer) -> None:
    """The short list that student talks code causes and wished support with."""
    st.caption(_("Elevsamtal kodar orsaker till frånvaron och önskat stöd med den här "
                 "listan. Håll den kort och utan diagnoser. En kategori som inte ska väljas "
                 "längre stängs av; gamla samtal behåller den."))
    with session_scope() as session:
        categories = talk_categories.list_categories(session, viewer)
    show_table(categories)
    with kept_form("new_category"):
        label = st.text_input(_("Ny kategori"))
        label_en = st.text_input(_("På engelska"), key="new_category_en")
        if st.form_submit_button(_("Lägg till kategori")):
            _save(viewer, "new_category", talk_categories.add_category,
                  _("Kategorin är tillagd."), label, label_en)
    if categories.empty:
        return
    names = dict(zip(categories["id"], categories["category"], strict=True))
    chosen = st.selectbox(_("Ändra kategori"), list(names), format_func=names.get,
                          key="category_to_change")
    current = categories.set_index("id").loc[chosen]
    with kept_form("change_category") as form:
        label = st.text_input(_("Kategori"), value=current["category"],
                              key=f"{form}_label_{chosen}")
        label_en = st.text_input(_("På engelska"), value=current["category_en"],
                                 key=f"{form}_label_en_{chosen}")
        active = st.checkbox(_("Kan väljas i nya samtal"), value=bool(current["active"]),
                             key=f"{form}_active_{chosen}")
        if st.form_submit_button(_("Spara kategori")):
            _save(viewer, "change_category", talk_categories.change_category,
                  _("Kategorin är sparad."), int(chosen), label, label_en, active)


def audit_tab(viewer: Viewer) -> None:
    """The audit log, filtered by user, student and period."""
    st.caption(_("Varje visning av en elev och varje ändring loggas med användare och tid."))
    first, second, third = st.columns(3)
    who = first.text_input(_("Användare"), key="audit_user")
    student = second.number_input(_("Elev-id"), min_value=0, value=None, step=1,
                                  key="audit_student")
    period = third.date_input(_("Period"), value=(), format="YYYY-MM-DD", key="audit_period")
    date_from = period[0] if len(period) > 0 else None
    date_to = period[1] if len(period) > 1 else date_from
    with session_scope() as session:
        events = list_events(session, viewer, username=who or None,
                             student_id=int(student) if student is not None else None,
                             date_from=date_from, date_to=date_to)
    show_table(events.assign(at=events["at"].map(lambda at: formats.moment(at, seconds=True)),
                             changed_before=events["changed_before"].map(changed_fields),
                             changed_after=events["changed_after"].map(changed_fields)))


def changed_fields(changed: str) -> str:
    """An event's changed fields as the log reads: "Roll=coach, Aktiv=True", each field
    by its word (lib.labels.CHANGED_FIELDS), the values as stored."""
    if not changed:
        return ""
    return ", ".join(f"{_(CHANGED_FIELDS[name]) if name in CHANGED_FIELDS else name}={value}"
                     for name, value in json.loads(changed).items())
