"""Administration, tab by tab: users, organisation, terms, flag levels, audit log."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib import admin, formats, organisation, plain
from lib.access import ROLE_LABELS, Role, Viewer
from lib.audit import list_events
from lib.db import session_scope
from lib.settings import load_settings
from lib.ui.forms import kept_form, run_write
from lib.ui.tables import show_table

TABS = ["Användare", "Organisation", "Terminer", "Flaggnivåer", "Granskningslogg"]


def _save(viewer: Viewer, form: str, action, message: str, *args, **kwargs) -> None:
    """One admin change from `form`: the Swedish error beside the kept fields, or the form
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
        Role.COACH: dict(zip(municipalities["id"], municipalities["Kommun"], strict=True)),
        Role.SCHOOL_STAFF: dict(zip(schools["id"], schools["Skola"], strict=True)),
        Role.PROJECT_LEADER: dict(zip(regions["id"], regions["Region"], strict=True)),
        Role.ADMIN: {},
    }


def _scope_picker(scope_options: dict, role: Role, default: tuple[int, ...],
                  key: str) -> list[int]:
    options = scope_options[role]
    if not options and role == Role.ADMIN:
        st.caption("Systemförvaltare har tillgång till allt.")
        return []
    label = {Role.COACH: "Kommuner", Role.SCHOOL_STAFF: "Skolor",
             Role.PROJECT_LEADER: "Regioner"}[role]
    return st.multiselect(label, list(options), default=[d for d in default if d in options],
                          format_func=options.get, key=key)


def users_tab(viewer: Viewer) -> None:
    """Users and their roles, scopes and passwords."""
    with session_scope() as session:
        users = admin.list_users(session, viewer)
    scope_options = _scope_options(viewer)  # read once for both forms
    show_table(admin.users_table(users))
    st.subheader("Ny användare")
    new_role = st.selectbox("Roll", list(Role), format_func=ROLE_LABELS.get, key="new_role")
    with kept_form("new_user") as form:
        username = st.text_input("Användarnamn")
        name = st.text_input("Namn")
        title = st.text_input("Titel (t.ex. rektor, kurator)")
        scopes = _scope_picker(scope_options, new_role, (), f"{form}_scopes")
        password = st.text_input("Lösenord (minst 12 tecken)", type="password")
        if st.form_submit_button("Skapa användare"):
            _save(viewer, "new_user", admin.create_user,
                  f"Användaren {plain.markdown(username.strip().lower())} är skapad.",
                  username=username, display_name=name, role=new_role, password=password,
                  scope_ids=scopes, title=title, bcrypt_rounds=load_settings().bcrypt_rounds)

    st.subheader("Ändra användare")
    by_id = {u.id: u for u in users}
    chosen = st.selectbox("Användare", list(by_id), key="edit_user",
                          format_func=lambda i: f"{by_id[i].username} ({by_id[i].display_name})")
    if chosen is not None:
        user = by_id[chosen]
        role = st.selectbox("Roll", list(Role), index=list(Role).index(user.role),
                            format_func=ROLE_LABELS.get, key=f"role_{user.id}")
        # After a save the form starts again from what is saved.
        with kept_form(f"edit_{user.id}") as form:
            name = st.text_input("Namn", user.display_name)
            title = st.text_input("Titel", user.title or "")
            scopes = _scope_picker(scope_options, role, user.scope_ids, f"{form}_scopes")
            active = st.checkbox("Aktiv", user.active,
                                 help="Ett avstängt konto loggas ut vid nästa sidvisning.")
            if st.form_submit_button("Spara ändringar"):
                _save(viewer, f"edit_{user.id}", admin.update_user, "Ändringarna är sparade.",
                      user.id, role=role, scope_ids=scopes, active=active, display_name=name,
                      title=title)
        with kept_form(f"password_{user.id}"):
            first = st.text_input("Nytt lösenord", type="password")
            second = st.text_input("Upprepa lösenordet", type="password")
            if st.form_submit_button("Sätt nytt lösenord"):
                if first != second:
                    st.error("Lösenorden är inte lika.")
                else:
                    _save(viewer, f"password_{user.id}", admin.reset_password,
                          "Lösenordet är bytt. Användarens pågående inloggningar avslutas.",
                          user.id, first, bcrypt_rounds=load_settings().bcrypt_rounds)


def organisation_tab(viewer: Viewer) -> None:
    """Regions, municipalities and schools."""
    regions, municipalities, schools = _organisation(viewer)
    left, right = st.columns(2)
    with left:
        st.subheader("Regioner")
        show_table(regions)
        with kept_form("new_region"):
            region_name = st.text_input("Ny region")
            if st.form_submit_button("Lägg till region"):
                _save(viewer, "new_region", admin.create_region, "Regionen är tillagd.",
                      region_name)
        st.subheader("Kommuner")
        show_table(municipalities)
        with kept_form("new_municipality"):
            code = st.text_input("Kommunkod (SCB)")
            municipality_name = st.text_input("Kommun")
            region_options = dict(zip(regions["id"], regions["Region"], strict=True))
            region_id = st.selectbox("Region", list(region_options),
                                     format_func=region_options.get)
            if st.form_submit_button("Lägg till kommun"):
                _save(viewer, "new_municipality", admin.create_municipality, "Kommunen är tillagd.",
                      code, municipality_name, region_id)
    with right:
        st.subheader("Skolor")
        show_table(schools)
        with kept_form("new_school"):
            unit_code = st.text_input("Skolenhetskod")
            school_name = st.text_input("Skola")
            municipality_options = dict(zip(municipalities["id"], municipalities["Kommun"],
                                            strict=True))
            municipality_id = st.selectbox("Kommun", list(municipality_options),
                                           format_func=municipality_options.get)
            if st.form_submit_button("Lägg till skola"):
                _save(viewer, "new_school", admin.create_school, "Skolan är tillagd.", unit_code,
                      school_name, municipality_id)


def terms_tab(viewer: Viewer) -> None:
    """The terms, each with its dates."""
    with session_scope() as session:
        terms = organisation.term_table(session, viewer)
    show_table(terms)
    with kept_form("new_term"):
        kind = st.selectbox("Termin", ["HT", "VT"])
        year = st.number_input("År", min_value=2000, max_value=2100, value=dt.date.today().year)
        start = st.date_input("Startdatum", format="YYYY-MM-DD")
        end = st.date_input("Slutdatum", format="YYYY-MM-DD")
        if st.form_submit_button("Lägg till termin"):
            _save(viewer, "new_term", admin.create_term, "Terminen är tillagd.", kind,
                  int(year), start, end)


def levels_tab(viewer: Viewer) -> None:
    """Each municipality's flag levels."""
    st.caption("Nivåerna gäller elever folkbokförda i kommunen, på alla skolor och sidor.")
    with session_scope() as session:
        levels = admin.list_thresholds(session, viewer)
    show_table(levels.assign(Bevaka=levels["Bevaka"].map(formats.level),
                             Hög=levels["Hög"].map(formats.level)))
    level_names = dict(zip(levels["id"], levels["Kommun"], strict=True))
    # Chosen outside the form, so that the inputs show that municipality's levels; keyed by
    # municipality, so that typed values survive the submit.
    municipality_id = st.selectbox("Kommun", list(level_names), format_func=level_names.get,
                                   key="levels_municipality")
    current = levels.set_index("id").loc[municipality_id] if level_names else None
    with kept_form("thresholds") as form:
        watch = st.number_input("Bevaka från (%)", min_value=1, max_value=99, step=1,
                                key=f"{form}_watch_{municipality_id}",
                                value=15 if current is None else round(current["Bevaka"] * 100))
        high = st.number_input("Hög frånvaro från (%)", min_value=1, max_value=99, step=1,
                               key=f"{form}_high_{municipality_id}",
                               value=20 if current is None else round(current["Hög"] * 100))
        if st.form_submit_button("Spara nivåer"):
            _save(viewer, "thresholds", admin.set_thresholds, "Nivåerna är sparade.",
                  municipality_id, watch / 100, high / 100)


def audit_tab(viewer: Viewer) -> None:
    """The audit log, filtered by user, student and period."""
    st.caption("Varje visning av en elev och varje ändring loggas med användare och tid.")
    first, second, third = st.columns(3)
    who = first.text_input("Användare", key="audit_user")
    student = second.number_input("Elev-id", min_value=0, value=None, step=1, key="audit_student")
    period = third.date_input("Period", value=(), format="YYYY-MM-DD", key="audit_period")
    date_from = period[0] if len(period) > 0 else None
    date_to = period[1] if len(period) > 1 else date_from
    with session_scope() as session:
        events = list_events(session, viewer, username=who or None,
                             student_id=int(student) if student is not None else None,
                             date_from=date_from, date_to=date_to)
    show_table(events)
