"""The school, student and watch-list pages in AppTest, per role."""

from lib.audit import list_events
from tests.apptest import login, texts, widget


def test_school_page_for_school_staff(app_env, world, read, viewer):
    at = login("staff_sb", page="pages/2_Skola.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Elever"] == "3" and metrics["≥ 15 %"] == "66,7 %"
    assert metrics["≥ 20 %"] == "33,3 %" and metrics["Rapporteringsgrad"] == "100,0 %"
    table = at.dataframe[0].value
    assert list(table["Elev"])[:2] == ["Anna Testsson", "Bo Testsson"]
    assert "Personnummer" in table and all(table["Personnummer"].str.endswith("****"))
    assert len(at.get("plotly_chart")) >= 4  # distribution, trend, weekday, heatmap
    with read() as session:
        log = list_events(session, viewer("admin"), username="staff_sb")
    assert "view_school" in set(log["action"])


def test_school_page_filters_live_in_the_url(app_env, world):
    at = login("staff_sb", page="pages/2_Skola.py")
    widget(at.selectbox, "Program").set_value("NA").run()
    assert at.query_params["program"] == "NA"
    at.query_params["program"] = "EK"
    at.run()
    assert not at.exception and "Inga elever att visa." in texts(at)


def test_coach_sees_only_their_students_on_the_school_page(app_env, world):
    at = login("coach_a", page="pages/2_Skola.py")
    at.query_params["skola"] = str(world["SB"])
    at.run()
    assert set(at.dataframe[0].value["Elev"]) == {"Anna Testsson",
                                                  f"Skyddad identitet (elev {world['eva']})"}


def test_a_school_out_of_scope_in_the_url_falls_back_to_an_allowed_one(app_env, world):
    at = login("staff_sc", page="pages/2_Skola.py")
    at.query_params["skola"] = str(world["SB"])
    at.run()
    assert "Skola SC" in texts(at) and "Anna" not in texts(at)


def test_opening_a_student_from_the_school_page(app_env, world):
    at = login("staff_sb", page="pages/2_Skola.py")
    widget(at.selectbox, "Öppna elev").set_value(world["bo"]).run()
    assert at.title[0].value == "Elev" and at.header[0].value == "Bo Testsson"


def test_student_page_charts_and_figures(app_env, world):
    at = login("coach_a", page="pages/3_Elev.py")
    at.query_params["elev"] = str(world["anna"])
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Frånvaro senaste terminen"] == "25,0 %"
    assert metrics["Ogiltig frånvaro"] == "15,0 %"
    assert len(at.get("plotly_chart")) >= 3


def test_watch_list_page(app_env, world):
    at = login("admin", page="pages/4_Bevakning.py")
    assert list(at.dataframe[0].value["Elev"]) == ["Dan Testsson", "Anna Testsson",
                                                   "Bo Testsson"]
    at.radio[0].set_value("high").run()
    assert list(at.dataframe[0].value["Elev"]) == ["Dan Testsson", "Anna Testsson"]
    assert at.query_params["niva"] == "high"


def test_watch_list_for_a_coach_is_their_municipality(app_env, world):
    at = login("coach_a", page="pages/4_Bevakning.py")
    assert list(at.dataframe[0].value["Elev"]) == ["Anna Testsson"]


def test_a_students_page_in_english_reads_no_swedish(app_env, world, write, read):
    import json

    from tests.test_language_walk import SWEDISH_WORDS, _set_language, foreign

    _set_language(write, "coach_a", "en")
    at = login("coach_a", page="pages/3_Elev.py")
    at.query_params["elev"] = str(world["anna"])
    at.run()
    assert not at.exception
    assert foreign(at, read, SWEDISH_WORDS) == []
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"]
              for chart in at.get("plotly_chart")]
    assert "Absence per week" in titles and "Absence per weekday" in titles
