"""Files in the layouts the school systems export, generated with known totals.

Each builder takes rows of (personal number, name, minutes…) and writes them the way the
system does: title rows, Swedish numbers, hours as "h:mm", per-course rows, merged group
headers, a totals row, Windows-1252 CSV."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], separator: str = ";", encoding: str = "cp1252") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def swedish(number: float, decimals: int = 1) -> str:
    return f"{number:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")


def hours_minutes(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def vklass_period(students: list[tuple[str, str, int, int, int]]) -> bytes:
    """Vklass, one row per student for a period, in minutes: (number, name, scheduled,
    valid, invalid). Title rows above, a totals row below."""
    rows = [["Frånvarorapport"], ["Period: 2025-08-18 – 2025-12-19"], [],
            ["Personnummer", "Namn", "Lekt.", "Undv. tid", "N min", "GF min", "F min",
             "Ej reg tid"]]
    for number, name, scheduled, valid, invalid in students:
        rows.append([number, name, scheduled // 60, scheduled, scheduled - valid - invalid,
                     valid, invalid, 0])
    rows.append(["Summa", "", "", sum(s[2] for s in students), "", sum(s[3] for s in students),
                 sum(s[4] for s in students), 0])
    return xlsx(rows)


def learnpoint_courses(courses: list[tuple[str, str, str, int, int, int]],
                       reported: str = "100 %") -> bytes:
    """LearnPoint, student × course for a period, in hours written as "h:mm" and with
    decimal commas, semicolon CSV in Windows-1252: (number, name, course, scheduled, valid,
    invalid) in minutes; `reported` is every row's "Rapporterat (%)"."""
    rows = [["Närvarostatistik per kurs"], [],
            ["Personnummer", "Elev", "Kurs", "Antal tillfällen", "Totalt (t)", "Frånvaro (t)",
             "Frånvaro (%)", "Giltig (tim)", "Giltig (%)", "Ogiltig (tim)", "Ogiltig (%)",
             "Rapporterat (%)"]]
    for number, name, course, scheduled, valid, invalid in courses:
        absent = valid + invalid
        rows.append([number, name, course, scheduled // 60, hours_minutes(scheduled),
                     swedish(absent / 60, 2), swedish(absent / scheduled * 100) + " %",
                     hours_minutes(valid), swedish(valid / scheduled * 100) + " %",
                     swedish(invalid / 60, 2), swedish(invalid / scheduled * 100) + " %",
                     reported])
    rows.append(["Totalt", "", "", "", "", "", "", "", "", "", "", ""])
    return csv_bytes(rows)


def edlevo_lessons(lessons: list[tuple[str, str, str, str, str, int, int, int, int]]) -> bytes:
    """Edlevo, one row per lesson, with a merged group header above the header row:
    (number, name, date, start, course, length, valid, invalid, late) in minutes."""
    rows = [["Frånvaro per lektion"],
            ["Elev", None, "Lektion", None, None, None, "Frånvaro (min)", None, None],
            ["Personnummer", "Namn", "Datum", "Starttid", "Kurs", "Längd (min)",
             "Giltig frånvaro", "Ogiltig frånvaro", "Sen ankomst"]]
    rows += [list(lesson) for lesson in lessons]
    book_bytes = xlsx(rows)
    return book_bytes


def enrolment_list(students: list[tuple[str, str, str, str, str, str, int]]) -> bytes:
    """An enrolment list, UTF-8 with BOM and commas: (number, first, last, home, school
    unit code, programme, year)."""
    rows = [["Personnummer", "Förnamn", "Efternamn", "Hemkommun", "Skolenhetskod", "Program",
             "Årskurs", "Klass"]]
    rows += [[*student, f"{student[5]}{student[6]}A"] for student in students]
    return csv_bytes(rows, separator=",", encoding="utf-8-sig")


def skola24_summary(students: list[tuple[str, str, int, int, int]],
                    school: str = "Skola SB") -> bytes:
    """Skola24, one row per student for a period, with a title block naming the school
    and the period, and a two-row header: "Schemalagd tid" over "(h:mm)" and "Frånvaro"
    (merged) over "Anmäld", "Ej anmäld", "Totalt", all in hours written "h:mm":
    (number, name, scheduled, anmäld (valid), ej anmäld (invalid) absence) in minutes."""
    rows = [["Frånvarosammanställning"], [f"Skola: {school}"],
            ["Period: 2025-09-01 – 2025-09-30"], [],
            ["Personnummer", "Namn", "Schemalagd tid", "Frånvaro", None, None],
            [None, None, "(h:mm)", "Anmäld", "Ej anmäld", "Totalt"]]
    for number, name, scheduled, valid, invalid in students:
        rows.append([number, name, *(hours_minutes(m) for m in (
            scheduled, valid, invalid, valid + invalid))])
    rows.append(["Totalt", "", *(hours_minutes(sum(s[i] for s in students))
                                 for i in (2, 3, 4)), ""])
    return xlsx(rows)


def enrolment_list_xlsx(students: list[tuple[str, str, str, str, str, str, int, str]]
                        ) -> bytes:
    """An enrolment list in Excel, as the payments administrator exports it: (number,
    first, last, home, school unit code, programme, year, class)."""
    rows = [["Personnummer", "Förnamn", "Efternamn", "Hemkommun", "Skolenhetskod", "Program",
             "Årskurs", "Klass"]]
    return xlsx(rows + [list(student) for student in students])
